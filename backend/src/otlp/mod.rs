//! The OpenTelemetry receiver: OTLP/HTTP trace exports (`POST /v1/traces`)
//! from applications instrumented with the GenAI semantic conventions.
//! `decode` reads the body, `mapping` turns spans into usage reports priced
//! by `pricing`; the route (`routes::otlp`) hands them to the aggregator
//! like any other ingest.

pub mod attributes;
pub mod decode;
pub mod mapping;
pub mod pricing;

pub use decode::{Compression, DecodeError, Encoding};
pub use mapping::{Mapped, Rules, map_request};
pub use pricing::Pricer;
