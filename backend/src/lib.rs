//! The FinOps dashboard backend: actix actors that generate, aggregate and
//! watch AI usage, and the actix-web server that streams it to dashboards.
//!
//! `startup` assembles everything; `main.rs` only parses the configuration.

pub mod actors;
pub mod aggregation;
pub mod announcer;
pub mod anomaly;
pub mod auth;
pub mod budget;
pub mod config;
pub mod error;
pub mod feed;
pub mod healthcheck;
pub mod ingest_listener;
pub mod middleware;
pub mod otlp;

pub mod routes;
pub mod simulation;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod views;
pub mod ws;
