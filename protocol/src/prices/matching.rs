//! The price table's rules for which model names (and provider names) an
//! entry answers to: `gpt-4o` answers to `gpt-4o-2024-08-06`, Claude entries
//! to their dated snapshots and Bedrock ids. Names are compared lowercased;
//! regular expressions (some with look-ahead) run on the lowercased name.

use serde::Deserialize;

/// A rule as written in `prices.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Clause {
    Equals(String),
    StartsWith(String),
    EndsWith(String),
    Contains(String),
    Regex(String),
    Or(Vec<Clause>),
    And(Vec<Clause>),
}

/// A rule ready to test names against.
#[derive(Debug, Clone)]
pub enum Matcher {
    Equals(String),
    StartsWith(String),
    EndsWith(String),
    Contains(String),
    Regex(Box<fancy_regex::Regex>),
    Or(Vec<Matcher>),
    And(Vec<Matcher>),
}

impl Matcher {
    pub fn compile(clause: &Clause) -> Result<Matcher, String> {
        let lower = |s: &str| s.to_lowercase();
        Ok(match clause {
            Clause::Equals(s) => Matcher::Equals(lower(s)),
            Clause::StartsWith(s) => Matcher::StartsWith(lower(s)),
            Clause::EndsWith(s) => Matcher::EndsWith(lower(s)),
            Clause::Contains(s) => Matcher::Contains(lower(s)),
            Clause::Regex(r) => Matcher::Regex(Box::new(
                fancy_regex::Regex::new(r).map_err(|e| format!("regex `{r}`: {e}"))?,
            )),
            Clause::Or(all) => {
                Matcher::Or(all.iter().map(Matcher::compile).collect::<Result<_, _>>()?)
            }
            Clause::And(all) => {
                Matcher::And(all.iter().map(Matcher::compile).collect::<Result<_, _>>()?)
            }
        })
    }

    /// Whether `name` (already lowercased) fits the rule.
    pub fn is_match(&self, name: &str) -> bool {
        match self {
            Matcher::Equals(s) => name == s,
            Matcher::StartsWith(s) => name.starts_with(s.as_str()),
            Matcher::EndsWith(s) => name.ends_with(s.as_str()),
            Matcher::Contains(s) => name.contains(s.as_str()),
            // A pattern that gives up (backtracking limit) matches nothing.
            Matcher::Regex(r) => r.is_match(name).unwrap_or(false),
            Matcher::Or(all) => all.iter().any(|m| m.is_match(name)),
            Matcher::And(all) => all.iter().all(|m| m.is_match(name)),
        }
    }
}

/// Rewrites a compact date suffix (`-20250514`) to the dashed form
/// (`-2025-05-14`) that the table's rules for OpenAI-style snapshots use, as
/// LiteLLM and OpenRouter send the compact one. `None` when there is none.
pub fn dashed_date(name: &str) -> Option<String> {
    let bytes = name.as_bytes();
    let mut out = String::with_capacity(name.len() + 2);
    let mut changed = false;
    let mut i = 0;
    while i < bytes.len() {
        let digits = bytes.get(i + 1..i + 9);
        let ends = matches!(bytes.get(i + 9), None | Some(b'-') | Some(b':'));
        if bytes[i] == b'-'
            && ends
            && digits.is_some_and(|d| d.iter().all(u8::is_ascii_digit))
            && is_date(&name[i + 1..i + 9])
        {
            let d = &name[i + 1..i + 9];
            out.push_str(&format!("-{}-{}-{}", &d[..4], &d[4..6], &d[6..]));
            changed = true;
            i += 9;
        } else {
            let c = name[i..].chars().next().unwrap_or('\u{FFFD}');
            out.push(c);
            i += c.len_utf8();
        }
    }
    changed.then_some(out)
}

fn is_date(d: &str) -> bool {
    d.starts_with("20") && chrono::NaiveDate::parse_from_str(d, "%Y%m%d").is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(json: &str) -> Matcher {
        Matcher::compile(&serde_json::from_str(json).unwrap()).unwrap()
    }

    #[test]
    fn clauses_compare_lowercased() {
        let m = rule(r#"{"or":[{"startsWith":"Claude-3-5-Haiku"},{"equals":"haiku"}]}"#);
        assert!(m.is_match("claude-3-5-haiku-20241022"));
        assert!(m.is_match("haiku"));
        assert!(!m.is_match("claude-3-haiku"));
        let both = rule(r#"{"and":[{"contains":"gpt"},{"endsWith":"-mini"}]}"#);
        assert!(both.is_match("gpt-4o-mini"));
        assert!(!both.is_match("gpt-4o"));
    }

    #[test]
    fn regexes_may_look_ahead() {
        let m = rule(r#"{"regex":"^(?!.*-tts(?:$|-))gemini-2\\.5-pro"}"#);
        assert!(m.is_match("gemini-2.5-pro-preview"));
        assert!(!m.is_match("gemini-2.5-pro-preview-tts"));
        assert!(Matcher::compile(&Clause::Regex("(".into())).is_err());
    }

    #[test]
    fn compact_dates_get_dashes() {
        assert_eq!(
            dashed_date("gpt-5.2-20251211").as_deref(),
            Some("gpt-5.2-2025-12-11")
        );
        assert_eq!(
            dashed_date("x-20250514-v1:0").as_deref(),
            Some("x-2025-05-14-v1:0")
        );
        // Not a date, not a suffix, or already dashed: left alone.
        assert_eq!(dashed_date("gpt-4o-20251399"), None);
        assert_eq!(dashed_date("model-202505141"), None);
        assert_eq!(dashed_date("gpt-4o-2024-08-06"), None);
        assert_eq!(
            dashed_date("ünïcode-20250514").as_deref(),
            Some("ünïcode-2025-05-14")
        );
    }
}
