//! Turning an OTLP/HTTP request body into an `ExportTraceServiceRequest`:
//! the two encodings the protocol allows (binary protobuf and its JSON
//! mapping, with hex trace and span ids), each optionally gzip- or
//! deflate-compressed. The decompressed size is capped like the body, so a
//! small compressed bomb cannot grow past the limit.

use std::io::Read;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;

/// The two OTLP/HTTP encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    /// From a `Content-Type` header; `None` for anything else.
    pub fn from_content_type(value: &str) -> Option<Encoding> {
        let essence = value.split(';').next()?.trim().to_ascii_lowercase();
        match essence.as_str() {
            "application/x-protobuf" | "application/protobuf" => Some(Encoding::Protobuf),
            "application/json" => Some(Encoding::Json),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => "application/x-protobuf",
            Encoding::Json => "application/json",
        }
    }
}

/// `Content-Encoding` of the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Identity,
    Gzip,
    Deflate,
}

impl Compression {
    pub fn from_header(value: Option<&str>) -> Result<Compression, DecodeError> {
        match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("") | Some("identity") => Ok(Compression::Identity),
            Some("gzip") | Some("x-gzip") => Ok(Compression::Gzip),
            Some("deflate") => Ok(Compression::Deflate),
            Some(other) => Err(DecodeError::Encoding(format!(
                "content-encoding `{other}` is not supported; send gzip, deflate or none"
            ))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The body decompresses to more than the limit.
    TooLarge(usize),
    /// Unknown `Content-Encoding`.
    Encoding(String),
    /// Not valid gzip/deflate, or not a valid message.
    Invalid(String),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::TooLarge(limit) => write!(
                f,
                "the request body decompresses to more than the {limit} bytes this server accepts"
            ),
            DecodeError::Encoding(m) | DecodeError::Invalid(m) => f.write_str(m),
        }
    }
}

/// Undoes the `compression`, refusing output past `limit` bytes.
pub fn decompress(
    body: &[u8],
    compression: Compression,
    limit: usize,
) -> Result<std::borrow::Cow<'_, [u8]>, DecodeError> {
    let reader: Box<dyn Read + '_> = match compression {
        Compression::Identity => return Ok(std::borrow::Cow::Borrowed(body)),
        Compression::Gzip => Box::new(flate2::read::GzDecoder::new(body)),
        // HTTP's "deflate" is zlib-wrapped (RFC 9110), which is what the
        // OpenTelemetry exporters send.
        Compression::Deflate => Box::new(flate2::read::ZlibDecoder::new(body)),
    };
    let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(limit));
    let read = reader
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| {
            DecodeError::Invalid(
                format!("the body is not valid {compression:?} data: {e}").to_lowercase(),
            )
        })?;
    if read > limit {
        return Err(DecodeError::TooLarge(limit));
    }
    Ok(std::borrow::Cow::Owned(out))
}

/// Decodes the (decompressed) body.
pub fn request(body: &[u8], encoding: Encoding) -> Result<ExportTraceServiceRequest, DecodeError> {
    match encoding {
        Encoding::Protobuf => ExportTraceServiceRequest::decode(body).map_err(|e| {
            DecodeError::Invalid(format!(
                "the body is not an OTLP ExportTraceServiceRequest in protobuf: {e}"
            ))
        }),
        // serde also reads a struct from an array of its fields; OTLP/JSON is an object.
        Encoding::Json if !body.trim_ascii_start().starts_with(b"{") => Err(DecodeError::Invalid(
            "the body is not an OTLP ExportTraceServiceRequest in JSON: expected an object".into(),
        )),
        Encoding::Json => serde_json::from_slice(body).map_err(|e| {
            DecodeError::Invalid(format!(
                "the body is not an OTLP ExportTraceServiceRequest in JSON: {e}"
            ))
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn content_types_and_encodings() {
        let ct = Encoding::from_content_type;
        assert_eq!(ct("application/x-protobuf"), Some(Encoding::Protobuf));
        assert_eq!(ct("Application/JSON; charset=utf-8"), Some(Encoding::Json));
        assert_eq!(ct("text/plain"), None);
        assert_eq!(ct("application/grpc"), None);
        let ce = |v| Compression::from_header(v);
        assert_eq!(ce(None), Ok(Compression::Identity));
        assert_eq!(ce(Some("GZIP")), Ok(Compression::Gzip));
        assert_eq!(ce(Some("deflate")), Ok(Compression::Deflate));
        assert!(matches!(ce(Some("br")), Err(DecodeError::Encoding(_))));
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_and_deflate_round_trip_within_the_limit() {
        let data = b"hello otlp".repeat(100);
        assert_eq!(
            decompress(&gzip(&data), Compression::Gzip, 1_000).unwrap(),
            &data[..]
        );
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(&data).unwrap();
        let z = z.finish().unwrap();
        assert_eq!(
            decompress(&z, Compression::Deflate, 1_000).unwrap(),
            &data[..]
        );
    }

    #[test]
    fn bombs_truncation_and_garbage_are_refused() {
        // 10 MB of zeros compress to about 10 KB.
        let bomb = gzip(&vec![0u8; 10_000_000]);
        assert!(bomb.len() < 100_000);
        assert_eq!(
            decompress(&bomb, Compression::Gzip, 1_000_000),
            Err(DecodeError::TooLarge(1_000_000))
        );
        let whole = gzip(b"some spans");
        let cut = &whole[..whole.len() - 6];
        assert!(matches!(
            decompress(cut, Compression::Gzip, 1_000),
            Err(DecodeError::Invalid(_))
        ));
        assert!(matches!(
            decompress(b"not gzip at all", Compression::Gzip, 1_000),
            Err(DecodeError::Invalid(_))
        ));
        assert!(matches!(
            request(&[0xff, 0xff, 0xff, 0x0f], Encoding::Protobuf),
            Err(DecodeError::Invalid(_))
        ));
        assert!(matches!(
            request(b"{\"resourceSpans\": 7}", Encoding::Json),
            Err(DecodeError::Invalid(_))
        ));
        for not_an_object in [&b"[]"[..], b" [[]]", b"null", b"7"] {
            assert!(request(not_an_object, Encoding::Json).is_err());
        }
    }

    #[test]
    fn json_follows_the_otlp_mapping() {
        // From the OTLP specification's example: hex ids, int64 as strings,
        // enums as integers.
        let body = br#"{"resourceSpans":[{"resource":{"attributes":[
            {"key":"service.name","value":{"stringValue":"chat-api"}}]},
          "scopeSpans":[{"scope":{"name":"openai"},"spans":[{
            "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
            "name":"chat gpt-4o","kind":3,
            "startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000",
            "attributes":[{"key":"gen_ai.usage.input_tokens","value":{"intValue":"120"}},
                          {"key":"gen_ai.usage.output_tokens","value":{"intValue":30}}]}]}]}]}"#;
        let req = request(body, Encoding::Json).unwrap();
        let span = &req.resource_spans[0].scope_spans[0].spans[0];
        assert_eq!(span.trace_id.len(), 16);
        assert_eq!(
            span.span_id,
            vec![0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74]
        );
        assert_eq!(span.end_time_unix_nano, 1_544_712_661_000_000_000);
        assert_eq!(span.kind, 3);
        assert_eq!(span.attributes.len(), 2);
        // Base64 ids (protobuf's generic JSON mapping) are not OTLP JSON.
        let base64 = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"W47/95gDgQPSabYzgT/GDA=="}]}]}]}"#;
        assert!(request(base64, Encoding::Json).is_err());
    }
}
