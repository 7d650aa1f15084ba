//! HTTP and WebSocket tests against the real server, started in-process on a
//! free port with the simulator off so every number is known.

mod access;
mod anomalies;
mod budgets;
mod feed;
mod filters;
mod helpers;
mod history;
mod hostile;
mod ingest;
mod ingest_port;
mod operations;
mod otlp;
mod stats;
mod storage;
mod views;
mod websocket;
mod ws_access;
