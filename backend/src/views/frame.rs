//! One `view` message as sessions send it: the JSON text, and the same
//! text deflated for sessions that asked for `deflate` — each made once per
//! change however many sessions send it, so all get the same bytes.

use std::io::Write;
use std::sync::OnceLock;

use actix_web::web::Bytes;
use bytestring::ByteString;
use flate2::Compression;
use flate2::write::DeflateEncoder;
use protocol::ViewEncoding;

pub struct ViewFrame {
    text: ByteString,
    deflated: OnceLock<Bytes>,
}

/// A frame as a session writes it.
pub enum Outgoing {
    Text(ByteString),
    Binary(Bytes),
}

impl ViewFrame {
    pub fn new(text: ByteString) -> Self {
        ViewFrame {
            text,
            deflated: OnceLock::new(),
        }
    }

    /// The frame in `encoding`; deflated by the first session that asks.
    pub fn encoded(&self, encoding: ViewEncoding) -> Outgoing {
        match encoding {
            ViewEncoding::Json => Outgoing::Text(self.text.clone()),
            ViewEncoding::Deflate => Outgoing::Binary(
                self.deflated
                    .get_or_init(|| Bytes::from(deflate(self.text.as_bytes())))
                    .clone(),
            ),
        }
    }
}

/// Raw DEFLATE (RFC 1951) of `text`, on its own. Level 6: measured on view
/// messages, higher levels save under 2 % more for twice the time.
pub fn deflate(text: &[u8]) -> Vec<u8> {
    let mut encoder = DeflateEncoder::new(Vec::with_capacity(text.len() / 4), Compression::new(6));
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(text);
    encoder.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::DeflateDecoder;
    use std::io::Read;

    #[test]
    fn deflated_frames_inflate_to_the_text_and_are_made_once() {
        let text =
            r#"{"type":"view","view":{"version":1,"at":"2026-12-01T10:00:00.000Z"}}"#.repeat(20);
        let frame = ViewFrame::new(ByteString::from(text.clone()));
        let (Outgoing::Binary(a), Outgoing::Binary(b)) = (
            frame.encoded(ViewEncoding::Deflate),
            frame.encoded(ViewEncoding::Deflate),
        ) else {
            panic!("deflate gives binary frames");
        };
        assert_eq!(a.as_ptr(), b.as_ptr(), "compressed once, shared");
        assert!(a.len() < text.len() / 5, "{} of {}", a.len(), text.len());
        let mut inflated = String::new();
        DeflateDecoder::new(&a[..])
            .read_to_string(&mut inflated)
            .unwrap();
        assert_eq!(inflated, text);
        assert!(matches!(frame.encoded(ViewEncoding::Json), Outgoing::Text(t) if t == text));
    }
}
