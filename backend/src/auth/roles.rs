//! Roles a token can have, and the actions each allows.

use serde::Deserialize;

/// What a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything: reads, decisions, ingest, and changing settings.
    Admin,
    /// Only `POST /api/ingest` (and the OTLP receiver): for applications and collectors.
    Ingest,
    /// Reads (REST, WebSocket, CSV) and acknowledge/dismiss/reopen.
    Viewer,
}

/// What a request does, as far as access is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Any GET of usage, anomalies or server metrics, and the WebSocket.
    Read,
    /// Acknowledge, dismiss or reopen an anomaly.
    Decide,
    /// Send usage reports.
    Ingest,
    /// Change what the server keeps (budgets and the like).
    Administer,
}

impl Role {
    pub fn allows(self, action: Action) -> bool {
        match self {
            Role::Admin => true,
            Role::Viewer => matches!(action, Action::Read | Action::Decide),
            Role::Ingest => action == Action::Ingest,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Ingest => "ingest",
            Role::Viewer => "viewer",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_allows_what_the_readme_says() {
        use Action::*;
        let table = [
            (Role::Admin, [true, true, true, true]),
            (Role::Viewer, [true, true, false, false]),
            (Role::Ingest, [false, false, true, false]),
        ];
        for (role, allowed) in table {
            for (action, expected) in [Read, Decide, Ingest, Administer].into_iter().zip(allowed) {
                assert_eq!(role.allows(action), expected, "{role:?} {action:?}");
            }
        }
    }
}
