//! The database schema and its migrations, numbered in `PRAGMA user_version`.
//! Each step runs once, in order, inside the transaction that records it.

/// Migration `i` takes the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: series, rollups at four tiers, runs, anomalies.
    "CREATE TABLE series (
        id INTEGER PRIMARY KEY,
        tenant TEXT NOT NULL,
        customer TEXT NOT NULL,
        model TEXT NOT NULL,
        UNIQUE (tenant, customer, model)
    );
    CREATE TABLE rollups (
        tier INTEGER NOT NULL,
        bucket INTEGER NOT NULL,
        series INTEGER NOT NULL REFERENCES series (id),
        calls INTEGER NOT NULL,
        tokens INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cost REAL NOT NULL,
        latency_ms_sum REAL NOT NULL,
        reports INTEGER NOT NULL,
        PRIMARY KEY (tier, bucket, series)
    ) WITHOUT ROWID;
    CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        started_ms INTEGER NOT NULL,
        last_ms INTEGER NOT NULL
    );
    CREATE TABLE anomalies (
        id TEXT PRIMARY KEY,
        started_ms INTEGER NOT NULL,
        body TEXT NOT NULL
    );
    CREATE INDEX anomalies_by_start ON anomalies (started_ms);",
    // 2: prompt-cache and reasoning tokens, and calls with no known cost.
    "ALTER TABLE rollups ADD COLUMN cache_read_tokens INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE rollups ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE rollups ADD COLUMN reasoning_tokens INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE rollups ADD COLUMN unpriced_calls INTEGER NOT NULL DEFAULT 0;",
    // 3: monthly budgets ('' for a scope without customer or model).
    "CREATE TABLE budgets (
        tenant TEXT NOT NULL,
        customer TEXT NOT NULL,
        model TEXT NOT NULL,
        monthly_usd REAL NOT NULL,
        PRIMARY KEY (tenant, customer, model)
    );",
];

/// The schema version this build writes.
pub fn latest() -> i64 {
    MIGRATIONS.len() as i64
}
