//! Which web pages may make a browser write to this server: its own origin
//! and the `--cors-origin` list. Browsers send `Origin` on every cross-site
//! POST and WebSocket, and a page cannot forge it; clients that are not
//! browsers send none and are judged by their token alone.

/// `scheme://host[:port]` in lower case without the scheme's default port,
/// or `None` if it is not an http(s) origin (`null`, `file://`, garbage).
pub fn normalize(origin: &str) -> Option<String> {
    let origin = origin.trim().to_ascii_lowercase();
    let (scheme, rest) = origin.split_once("://")?;
    let default_port = match scheme {
        "http" => ":80",
        "https" => ":443",
        _ => return None,
    };
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
        return None;
    }
    let authority = rest.strip_suffix(default_port).unwrap_or(rest);
    Some(format!("{scheme}://{authority}"))
}

/// Whether a request with this `Origin`, arriving at `own` (the scheme and
/// host the request was addressed to), may change anything.
pub fn is_allowed(origin: &str, own: &str, allowed: &[String]) -> bool {
    let Some(origin) = normalize(origin) else {
        return false;
    };
    normalize(own).is_some_and(|own| own == origin)
        || allowed
            .iter()
            .filter_map(|a| normalize(a))
            .any(|a| a == origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_normalize() {
        assert_eq!(
            normalize("HTTP://LocalHost:8080").as_deref(),
            Some("http://localhost:8080")
        );
        assert_eq!(
            normalize("https://a.example:443").as_deref(),
            Some("https://a.example")
        );
        assert_eq!(
            normalize("http://a.example:80").as_deref(),
            Some("http://a.example")
        );
        assert_eq!(normalize("null"), None);
        assert_eq!(normalize("file://"), None);
        assert_eq!(normalize("http://a.example/path"), None);
        assert_eq!(normalize("ws://a.example"), None);
    }

    #[test]
    fn only_the_own_origin_and_the_allowed_ones_pass() {
        let own = "http://127.0.0.1:8080";
        let allowed = vec!["https://dash.example".to_string()];
        assert!(is_allowed("http://127.0.0.1:8080", own, &allowed));
        assert!(is_allowed("https://dash.example:443", own, &allowed));
        assert!(!is_allowed("http://evil.example", own, &allowed));
        assert!(!is_allowed("http://127.0.0.1:8081", own, &allowed));
        assert!(!is_allowed("https://127.0.0.1:8080", own, &allowed));
        assert!(!is_allowed("null", own, &allowed));
        assert!(!is_allowed("http://dash.example", own, &allowed));
    }
}
