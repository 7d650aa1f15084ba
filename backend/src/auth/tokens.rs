//! `TokenTable`: the tokens the server accepts, each with a role and the
//! tenants it may see, loaded once at start-up from `--api-token` and the
//! tokens file (TOML or JSON; `deploy/tokens.example.toml` shows the format).
//!
//! Only SHA-256 digests are kept. A presented token is hashed and compared
//! with every entry in constant time, so neither the answer's timing nor a
//! memory dump tells anything about the tokens.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use protocol::validate::validate_id;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::caller::Caller;
use super::roles::Role;
use super::secret::Secret;
use crate::aggregation::NameFilter;

type Digest32 = [u8; 32];

fn digest(token: &str) -> Digest32 {
    Sha256::digest(token.as_bytes()).into()
}

/// A new token: 32 random bytes from the operating system, in hex.
pub fn generate() -> Secret {
    let bytes: [u8; 32] = rand::random();
    Secret::new(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// Lower-case hex of a token's SHA-256, as a tokens file's `sha256` holds it.
pub fn sha256_hex(token: &str) -> String {
    digest(token).iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_hex_digest(text: &str) -> Option<Digest32> {
    let text = text.trim();
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Compares without stopping at the first difference.
fn constant_time_eq(a: &Digest32, b: &Digest32) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokensFile {
    tokens: Vec<TokenSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenSpec {
    name: String,
    #[serde(default)]
    token: Option<Secret>,
    #[serde(default)]
    sha256: Option<String>,
    role: Role,
    #[serde(default)]
    tenants: Option<TenantsSpec>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TenantsSpec {
    /// `"*"`: every tenant.
    All(String),
    List(Vec<String>),
}

struct Entry {
    digest: Digest32,
    caller: Caller,
}

/// The accepted tokens; empty means the server is open (no token needed).
#[derive(Default)]
pub struct TokenTable {
    entries: Vec<Entry>,
}

impl fmt::Debug for TokenTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|e| &e.caller))
            .finish()
    }
}

impl TokenTable {
    /// From `--api-token` (one admin token; empty counts as none) and the
    /// tokens file, if any. Errors say what is wrong and where.
    pub fn load(api_token: Option<&Secret>, file: Option<&Path>) -> Result<Self, String> {
        let mut table = TokenTable::default();
        if let Some(token) = api_token.filter(|t| !t.is_empty()) {
            table.push("api-token", digest(token.expose()), Role::Admin, None)?;
        }
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the tokens file {}: {e}", path.display()))?;
            table
                .add_file(&text, path)
                .map_err(|e| format!("tokens file {}: {e}", path.display()))?;
        }
        Ok(table)
    }

    fn add_file(&mut self, text: &str, path: &Path) -> Result<(), String> {
        let is_json = match path.extension().and_then(|e| e.to_str()) {
            Some("json") => true,
            Some("toml") => false,
            _ => text.trim_start().starts_with('{'),
        };
        let file: TokensFile = if is_json {
            serde_json::from_str(text).map_err(|e| e.to_string())?
        } else {
            toml::from_str(text).map_err(|e| e.to_string())?
        };
        if file.tokens.is_empty() {
            return Err("lists no tokens".into());
        }
        for spec in file.tokens {
            let name = spec.name.trim().to_string();
            let digest = match (&spec.token, &spec.sha256) {
                (Some(token), None) if !token.is_empty() => digest(token.expose()),
                (None, Some(hex)) => parse_hex_digest(hex).ok_or_else(|| {
                    format!("token `{name}`: sha256 must be 64 hexadecimal digits")
                })?,
                _ => {
                    return Err(format!(
                        "token `{name}` needs exactly one of `token` or `sha256`"
                    ));
                }
            };
            let tenants = match (spec.role, spec.tenants) {
                (_, Some(TenantsSpec::All(star))) if star == "*" => None,
                (_, Some(TenantsSpec::All(other))) => {
                    return Err(format!(
                        "token `{name}`: tenants must be \"*\" or a list, not `{other}`"
                    ));
                }
                (_, Some(TenantsSpec::List(list))) => Some(list),
                (Role::Admin, None) => None,
                (_, None) => {
                    return Err(format!(
                        "token `{name}`: a {} token must say its tenants (\"*\" or a list)",
                        spec.role.as_str()
                    ));
                }
            };
            self.push(&name, digest, spec.role, tenants)?;
        }
        Ok(())
    }

    fn push(
        &mut self,
        name: &str,
        digest: Digest32,
        role: Role,
        tenants: Option<Vec<String>>,
    ) -> Result<(), String> {
        validate_id("name", name).map_err(|e| format!("token name `{name}`: {e}"))?;
        if self
            .entries
            .iter()
            .any(|e| e.caller.name.as_deref() == Some(name))
        {
            return Err(format!("two tokens are named `{name}`"));
        }
        if self.entries.iter().any(|e| e.digest == digest) {
            return Err(format!("token `{name}` is the same token as another one"));
        }
        let scope = match tenants {
            None => NameFilter::all(),
            Some(list) => {
                if role == Role::Admin {
                    return Err(format!(
                        "token `{name}`: an admin token sees every tenant; give it no tenant list"
                    ));
                }
                if list.is_empty() {
                    return Err(format!("token `{name}`: the tenant list is empty"));
                }
                for tenant in &list {
                    validate_id("tenants", tenant)
                        .map_err(|e| format!("token `{name}`: tenant `{tenant}`: {e}"))?;
                }
                NameFilter::tenants(list.into_iter().collect::<BTreeSet<_>>())
            }
        };
        self.entries.push(Entry {
            digest,
            caller: Caller {
                name: Some(name.to_string()),
                role,
                scope,
            },
        });
        Ok(())
    }

    /// No token configured: everyone may do everything.
    pub fn is_open(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The caller a presented token belongs to. Every entry is compared.
    pub fn lookup(&self, presented: &str) -> Option<&Caller> {
        let wanted = digest(presented);
        let mut found = None;
        for entry in &self.entries {
            if constant_time_eq(&entry.digest, &wanted) && found.is_none() {
                found = Some(&entry.caller);
            }
        }
        found
    }

    /// Names of the configured tokens and their roles, for the start-up log.
    pub fn summary(&self) -> Vec<String> {
        self.entries
            .iter()
            .map(|e| {
                format!(
                    "{} ({})",
                    e.caller.name.as_deref().unwrap_or("?"),
                    e.caller.role.as_str()
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn from(text: &str, name: &str) -> Result<TokenTable, String> {
        let mut t = TokenTable::default();
        t.add_file(text, &PathBuf::from(name)).map(|()| t)
    }

    const TOML: &str = r#"
[[tokens]]
name = "ops"
token = "admin-token-0123456789"
role = "admin"

[[tokens]]
name = "acme-wall"
sha256 = "SHA"
role = "viewer"
tenants = ["acme"]

[[tokens]]
name = "collector"
token = "ingest-token-0123456789"
role = "ingest"
tenants = "*"
"#;

    #[test]
    fn a_toml_file_gives_roles_and_scopes() {
        let text = TOML.replace("SHA", &sha256_hex("acme-wall-token-0123456789"));
        let table = from(&text, "tokens.toml").unwrap();
        assert_eq!(table.len(), 3);
        let admin = table.lookup("admin-token-0123456789").unwrap();
        assert_eq!(admin.role, Role::Admin);
        assert!(admin.scope.is_all());
        let wall = table.lookup("acme-wall-token-0123456789").unwrap();
        assert_eq!(wall.role, Role::Viewer);
        assert_eq!(wall.name.as_deref(), Some("acme-wall"));
        assert!(wall.scope.admits_tenant("acme"));
        assert!(!wall.scope.admits_tenant("globex"));
        let ingest = table.lookup("ingest-token-0123456789").unwrap();
        assert!(ingest.scope.is_all());
        assert!(table.lookup("admin-token-012345678").is_none());
        assert!(table.lookup("").is_none());
        assert!(!format!("{table:?}").contains("admin-token"));
    }

    #[test]
    fn a_json_file_works_the_same() {
        let text = r#"{"tokens": [{"name": "v", "token": "viewer-token-0123456789",
                        "role": "viewer", "tenants": ["acme", "globex"]}]}"#;
        let table = from(text, "tokens.json").unwrap();
        let v = table.lookup("viewer-token-0123456789").unwrap();
        assert!(v.scope.admits_tenant("globex"));
        // Without an extension the content decides.
        assert!(from(text, "tokens").is_ok());
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            (r#"tokens = []"#, "no tokens"),
            (
                r#"[[tokens]]
name = "a"
role = "viewer"
token = "t-0123456789abcdef""#,
                "must say its tenants",
            ),
            (
                r#"[[tokens]]
name = "a"
role = "viewer"
tenants = "acme"
token = "t-0123456789abcdef""#,
                "\"*\" or a list",
            ),
            (
                r#"[[tokens]]
name = "a"
role = "admin""#,
                "exactly one of",
            ),
            (
                r#"[[tokens]]
name = "a"
role = "admin"
sha256 = "abc""#,
                "64 hexadecimal",
            ),
            (
                r#"[[tokens]]
name = "a"
role = "owner"
token = "x""#,
                "unknown variant",
            ),
            (
                r#"[[tokens]]
name = "a"
role = "admin"
token = "same"
[[tokens]]
name = "a"
role = "admin"
token = "other""#,
                "two tokens are named",
            ),
            (
                r#"[[tokens]]
name = "a"
role = "admin"
token = "same"
[[tokens]]
name = "b"
role = "admin"
token = "same""#,
                "same token",
            ),
            (
                r#"[[tokens]]
name = "a"
role = "viewer"
token = "x"
tenants = []"#,
                "empty",
            ),
            (
                r#"[[tokens]]
name = "a"
role = "admin"
token = "x"
tenants = ["acme"]"#,
                "every tenant",
            ),
            (
                r#"[[tokens]]
name = "a"
role = "viewer"
token = "x"
tenants = ["ac\u202Eme"]"#,
                "tenant",
            ),
            (
                r#"[[tokens]]
name = "a"
role = "admin"
token = "x"
colour = "red""#,
                "unknown field",
            ),
        ];
        for (text, expected) in cases {
            let err = from(text, "t.toml").unwrap_err();
            assert!(err.contains(expected), "{text}\n→ {err}");
        }
    }

    #[test]
    fn the_example_file_in_deploy_is_valid() {
        let text = include_str!("../../../deploy/tokens.example.toml");
        let table = from(text, "tokens.example.toml").unwrap();
        assert_eq!(
            table.summary(),
            ["ops (admin)", "acme-wall (viewer)", "collector (ingest)"]
        );
        let wall = table.lookup("example-acme-wall-token-change-me").unwrap();
        assert!(wall.sees_tenant("acme") && !wall.sees_tenant("globex"));
    }

    #[test]
    fn the_api_token_is_one_admin_and_an_empty_one_is_none() {
        let secret = Secret::new("s3cret");
        let table = TokenTable::load(Some(&secret), None).unwrap();
        assert_eq!(table.lookup("s3cret").unwrap().role, Role::Admin);
        assert!(!table.is_open());
        let empty = Secret::new("");
        assert!(TokenTable::load(Some(&empty), None).unwrap().is_open());
        assert!(TokenTable::load(None, None).unwrap().is_open());
        let err = TokenTable::load(None, Some(Path::new("/nonexistent/tokens.toml"))).unwrap_err();
        assert!(err.contains("cannot read"), "{err}");
    }
}
