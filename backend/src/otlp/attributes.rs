//! Reading a span's attributes by key: the span's own first, then its
//! resource's (where `service.name` and `tenant.id` usually live). Values
//! come as strings, integers or doubles depending on the instrumentation;
//! each reader accepts the forms that mean the same thing.

use std::borrow::Cow;

use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value;

use protocol::limits::MAX_SAFE_COUNT;

/// The attributes a span can be read through.
#[derive(Debug, Clone, Copy)]
pub struct Attributes<'a> {
    pub span: &'a [KeyValue],
    pub resource: &'a [KeyValue],
}

fn value<'a>(list: &'a [KeyValue], key: &str) -> Option<&'a Value> {
    list.iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| v.value.as_ref())
}

impl<'a> Attributes<'a> {
    fn get(&self, key: &str) -> Option<&'a Value> {
        value(self.span, key).or_else(|| value(self.resource, key))
    }

    /// Whether any span attribute starts with `prefix`.
    pub fn span_has_prefix(&self, prefix: &str) -> bool {
        self.span.iter().any(|kv| kv.key.starts_with(prefix))
    }

    /// A text value (integers and booleans are written out); empty text
    /// counts as absent.
    pub fn text(&self, key: &str) -> Option<Cow<'a, str>> {
        let text = match self.get(key)? {
            Value::StringValue(s) => Cow::Borrowed(s.as_str()),
            Value::IntValue(i) => Cow::Owned(i.to_string()),
            Value::BoolValue(b) => Cow::Owned(b.to_string()),
            _ => return None,
        };
        (!text.trim().is_empty()).then_some(text)
    }

    /// The first of `keys` that has a text value.
    pub fn first_text(&self, keys: &[String]) -> Option<Cow<'a, str>> {
        keys.iter().find_map(|k| self.text(k))
    }

    /// A token count: a whole number from 0 to 2^53 - 1, sent as an integer,
    /// a whole double or a numeric string. `Err` names what is wrong.
    pub fn count(&self, key: &str) -> Result<Option<u64>, String> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let n: f64 = match v {
            Value::IntValue(i) => *i as f64,
            Value::DoubleValue(d) => *d,
            Value::StringValue(s) => s
                .trim()
                .parse()
                .map_err(|_| format!("{key} must be a whole number, not `{}`", clip(s)))?,
            _ => return Err(format!("{key} must be a whole number")),
        };
        if !n.is_finite() || n < 0.0 || n.fract() != 0.0 {
            return Err(format!("{key} must be a whole number ≥ 0, not {n}"));
        }
        if n > MAX_SAFE_COUNT as f64 {
            return Err(format!("{key} must be at most {MAX_SAFE_COUNT}"));
        }
        Ok(Some(n as u64))
    }

    /// The first of `keys` with a count.
    pub fn first_count(&self, keys: &[&str]) -> Result<Option<u64>, String> {
        for key in keys {
            if let Some(n) = self.count(key)? {
                return Ok(Some(n));
            }
        }
        Ok(None)
    }

    /// A number (integer, double or numeric string).
    pub fn number(&self, key: &str) -> Result<Option<f64>, String> {
        Ok(Some(match self.get(key) {
            None => return Ok(None),
            Some(Value::IntValue(i)) => *i as f64,
            Some(Value::DoubleValue(d)) => *d,
            Some(Value::StringValue(s)) => s
                .trim()
                .parse()
                .map_err(|_| format!("{key} must be a number, not `{}`", clip(s)))?,
            Some(_) => return Err(format!("{key} must be a number")),
        }))
    }
}

/// At most 40 characters of `s`, for messages.
pub fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
pub mod tests {
    use opentelemetry_proto::tonic::common::v1::AnyValue;

    use super::*;

    pub fn kv(key: &str, value: Value) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: Some(AnyValue { value: Some(value) }),
            ..Default::default()
        }
    }

    pub fn s(v: &str) -> Value {
        Value::StringValue(v.into())
    }

    #[test]
    fn span_attributes_come_before_the_resource() {
        let span = [kv("tenant.id", s("acme"))];
        let resource = [kv("tenant.id", s("other")), kv("service.name", s("chat"))];
        let a = Attributes {
            span: &span,
            resource: &resource,
        };
        assert_eq!(a.text("tenant.id").as_deref(), Some("acme"));
        assert_eq!(a.text("service.name").as_deref(), Some("chat"));
        assert_eq!(a.text("nothing"), None);
        let keys = ["user.id".to_string(), "service.name".to_string()];
        assert_eq!(a.first_text(&keys).as_deref(), Some("chat"));
    }

    #[test]
    fn counts_accept_every_form_that_means_a_whole_number() {
        let span = [
            kv("i", Value::IntValue(120)),
            kv("d", Value::DoubleValue(30.0)),
            kv("s", s(" 45 ")),
            kv("neg", Value::IntValue(-3)),
            kv("frac", Value::DoubleValue(1.5)),
            kv("huge", Value::IntValue(i64::MAX)),
            kv("word", s("many")),
            kv("flag", Value::BoolValue(true)),
        ];
        let a = Attributes {
            span: &span,
            resource: &[],
        };
        assert_eq!(a.count("i"), Ok(Some(120)));
        assert_eq!(a.count("d"), Ok(Some(30)));
        assert_eq!(a.count("s"), Ok(Some(45)));
        assert_eq!(a.count("missing"), Ok(None));
        for bad in ["neg", "frac", "huge", "word", "flag"] {
            assert!(a.count(bad).is_err(), "{bad}");
        }
        assert_eq!(a.first_count(&["missing", "d", "i"]), Ok(Some(30)));
        assert!(a.first_count(&["neg", "i"]).is_err());
        assert_eq!(a.number("d"), Ok(Some(30.0)));
        assert!(a.number("word").is_err());
    }
}
