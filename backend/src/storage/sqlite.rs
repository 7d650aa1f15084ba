//! `SqliteStorage`: the embedded default store, one SQLite file in the data
//! directory (`finops.db`) in WAL mode with `synchronous = FULL`, so a commit
//! that returned survives a crash of the process or the machine. One
//! connection writes (the writer thread), another reads; WAL lets them run
//! at once.

use std::path::{Path, PathBuf};

use parking_lot::{Mutex, RwLock};
use protocol::{Anomaly, Budget};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, params};
use rustc_hash::FxHashMap;

use super::schema::{MIGRATIONS, latest};
use super::{FrameCommit, Loaded, Retention, SeriesName, Storage, StorageError};
use crate::aggregation::{SeriesKey, Tier, Usage, WarmRow};

/// The database file in the data directory.
pub const FILE_NAME: &str = "finops.db";

/// Anomalies loaded at start-up (the book keeps as many).
const ANOMALIES_LOADED: i64 = 500;

/// What each tier's ring holds, so start-up loads only that much.
fn ring_span_ms(tier: Tier) -> i64 {
    match tier {
        Tier::Second => 16 * 60_000,
        Tier::Minute => 25 * 3_600_000,
        Tier::Hour => 33 * 86_400_000,
        Tier::Day => 410 * 86_400_000,
    }
}

/// An operator's reading of a SQLite failure.
fn error(context: &str, e: rusqlite::Error) -> StorageError {
    let why = match e.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => {
            "the disk is full (or the database reached --storage-max-mb)".to_string()
        }
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            "the data directory or the database file is not writable".to_string()
        }
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
            "the database file is corrupt or not a database; restore a backup \
             (README, \"Backup and restore\")"
                .to_string()
        }
        _ => e.to_string(),
    };
    StorageError(format!("storage unavailable: {context}: {why}"))
}

fn int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn count(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// `column = column + excluded.column`, saturating at SQLite's largest
/// integer instead of turning into a real.
macro_rules! add_saturating {
    ($c:literal) => {
        concat!(
            $c,
            " = CASE WHEN ",
            $c,
            " > 9223372036854775807 - excluded.",
            $c,
            " THEN 9223372036854775807 ELSE ",
            $c,
            " + excluded.",
            $c,
            " END"
        )
    };
}

/// Adds into a stored row; integer sums saturate instead of turning into reals.
const UPSERT: &str = concat!(
    "INSERT INTO rollups
        (tier, bucket, series, calls, tokens, input_tokens, output_tokens, cost, latency_ms_sum,
         reports, cache_read_tokens, cache_write_tokens, reasoning_tokens, unpriced_calls)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
    ON CONFLICT (tier, bucket, series) DO UPDATE SET ",
    add_saturating!("calls"),
    ", ",
    add_saturating!("tokens"),
    ", ",
    add_saturating!("input_tokens"),
    ", ",
    add_saturating!("output_tokens"),
    ", cost = cost + excluded.cost, latency_ms_sum = latency_ms_sum + excluded.latency_ms_sum, ",
    add_saturating!("reports"),
    ", ",
    add_saturating!("cache_read_tokens"),
    ", ",
    add_saturating!("cache_write_tokens"),
    ", ",
    add_saturating!("reasoning_tokens"),
    ", ",
    add_saturating!("unpriced_calls"),
);

const SELECT_ROWS: &str = "SELECT series, bucket, calls, tokens, input_tokens, output_tokens,
        cost, latency_ms_sum, cache_read_tokens, cache_write_tokens, reasoning_tokens,
        unpriced_calls FROM rollups WHERE tier = ?1 AND bucket >= ?2 AND bucket < ?3";

fn usage_at(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Usage> {
    Ok(Usage {
        calls: count(row.get(first)?),
        tokens: count(row.get(first + 1)?),
        input_tokens: count(row.get(first + 2)?),
        output_tokens: count(row.get(first + 3)?),
        cost: row.get(first + 4)?,
        latency_ms_sum: row.get(first + 5)?,
        cache_read_tokens: count(row.get(first + 6)?),
        cache_write_tokens: count(row.get(first + 7)?),
        reasoning_tokens: count(row.get(first + 8)?),
        unpriced_calls: count(row.get(first + 9)?),
    })
}

/// Keys of this run for the store's series ids, both ways.
#[derive(Debug, Default)]
struct Keys {
    to_db: FxHashMap<SeriesKey, i64>,
    from_db: FxHashMap<i64, SeriesKey>,
}

pub struct SqliteStorage {
    path: PathBuf,
    /// Rows older than their tier keeps (late or back-filled reports) are not written.
    retention: Retention,
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    keys: RwLock<Keys>,
}

fn configure(conn: &Connection, path: &Path) -> Result<(), StorageError> {
    let at = path.display().to_string();
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(|e| error(&at, e))?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(|e| error(&at, e))?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(|e| error(&at, e))?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(|e| error(&at, e))?;
    Ok(())
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StorageError> {
    let at = path.display().to_string();
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|e| error(&at, e))?;
    let version: i64 = tx
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| error(&at, e))?;
    if version > latest() {
        return Err(StorageError(format!(
            "storage unavailable: {at} has schema version {version}, newer than this \
             build knows ({}); run a newer server",
            latest()
        )));
    }
    for (i, step) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        tx.execute_batch(step).map_err(|e| error(&at, e))?;
        tx.pragma_update(None, "user_version", i as i64 + 1)
            .map_err(|e| error(&at, e))?;
    }
    tx.commit().map_err(|e| error(&at, e))
}

impl SqliteStorage {
    /// Opens (creating if needed) the database in `dir`. A directory that
    /// cannot be created or written, or a corrupt file, is an error naming
    /// the path. `max_bytes` caps the file's size.
    pub fn open(
        dir: &Path,
        max_bytes: Option<u64>,
        retention: Retention,
    ) -> Result<Self, StorageError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StorageError(format!(
                "storage unavailable: cannot create the data directory {}: {e}",
                dir.display()
            ))
        })?;
        let path = dir.join(FILE_NAME);
        let at = path.display().to_string();
        let mut writer = Connection::open(&path).map_err(|e| error(&at, e))?;
        configure(&writer, &path)?;
        let check: String = writer
            .pragma_query_value(None, "quick_check", |r| r.get(0))
            .map_err(|e| error(&at, e))?;
        if check != "ok" {
            return Err(StorageError(format!(
                "storage unavailable: {at} is corrupt ({check}); restore a backup \
                 (README, \"Backup and restore\")"
            )));
        }
        migrate(&mut writer, &path)?;
        if let Some(max) = max_bytes {
            let page: i64 = writer
                .pragma_query_value(None, "page_size", |r| r.get(0))
                .map_err(|e| error(&at, e))?;
            writer
                .pragma_update(None, "max_page_count", (int(max) / page.max(1)).max(1))
                .map_err(|e| error(&at, e))?;
        }
        let reader = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| error(&at, e))?;
        reader
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| error(&at, e))?;
        Ok(SqliteStorage {
            path,
            retention,
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
            keys: RwLock::new(Keys::default()),
        })
    }

    /// Copies the database in `dir` to `dest` with SQLite's online backup,
    /// which is consistent while a server writes to it.
    pub fn backup(dir: &Path, dest: &Path) -> Result<(), StorageError> {
        let path = dir.join(FILE_NAME);
        let at = path.display().to_string();
        if !path.is_file() {
            return Err(StorageError(format!("no database at {at}")));
        }
        let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| error(&at, e))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| error(&at, e))?;
        conn.backup(
            rusqlite::MAIN_DB,
            dest,
            None::<fn(rusqlite::backup::Progress)>,
        )
        .map_err(|e| error(&dest.display().to_string(), e))
    }

    fn at(&self) -> String {
        self.path.display().to_string()
    }

    fn key_of(&self, id: i64) -> Option<SeriesKey> {
        self.keys.read().from_db.get(&id).copied()
    }
}

impl Storage for SqliteStorage {
    fn load(&self, now_ms: i64) -> Result<Loaded, StorageError> {
        let conn = self.reader.lock();
        let at = self.at();
        let e = |e| error(&at, e);
        let mut loaded = Loaded::default();
        let mut stmt = conn
            .prepare("SELECT id, tenant, customer, model FROM series")
            .map_err(e)?;
        let series = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    SeriesName {
                        tenant: r.get(1)?,
                        customer: r.get(2)?,
                        model: r.get(3)?,
                    },
                ))
            })
            .map_err(e)?;
        loaded.series = series.collect::<Result<_, _>>().map_err(e)?;
        let mut stmt = conn.prepare(SELECT_ROWS).map_err(e)?;
        for tier in Tier::ALL {
            let rows = stmt
                .query_map(
                    params![tier.code(), now_ms - ring_span_ms(tier), i64::MAX],
                    |r| Ok((r.get(0)?, tier, r.get(1)?, usage_at(r, 2)?)),
                )
                .map_err(e)?;
            for row in rows {
                loaded.rows.push(row.map_err(e)?);
            }
        }
        let mut stmt = conn
            .prepare("SELECT started_ms, last_ms FROM runs")
            .map_err(e)?;
        let runs = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(e)?;
        loaded.runs = runs.collect::<Result<_, _>>().map_err(e)?;
        let mut stmt = conn
            .prepare("SELECT body FROM anomalies ORDER BY started_ms DESC, id DESC LIMIT ?1")
            .map_err(e)?;
        let bodies = stmt
            .query_map([ANOMALIES_LOADED], |r| r.get::<_, String>(0))
            .map_err(e)?;
        for body in bodies {
            match serde_json::from_str(&body.map_err(e)?) {
                Ok(anomaly) => loaded.anomalies.push(anomaly),
                Err(err) => tracing::warn!(%err, "skipping a stored anomaly that does not parse"),
            }
        }
        let mut stmt = conn
            .prepare("SELECT tenant, customer, model, monthly_usd FROM budgets")
            .map_err(e)?;
        let budgets = stmt
            .query_map([], |r| {
                let some = |s: String| (!s.is_empty()).then_some(s);
                Ok(Budget {
                    tenant_id: r.get(0)?,
                    customer_id: some(r.get(1)?),
                    model: some(r.get(2)?),
                    monthly_usd: r.get(3)?,
                })
            })
            .map_err(e)?;
        loaded.budgets = budgets.collect::<Result<_, _>>().map_err(e)?;
        Ok(loaded)
    }

    fn adopt(&self, keys: &[(i64, SeriesKey)]) {
        let mut map = self.keys.write();
        for (id, key) in keys {
            map.to_db.insert(*key, *id);
            map.from_db.insert(*id, *key);
        }
    }

    fn begin_run(&self, run: &str, started_ms: i64) -> Result<(), StorageError> {
        self.writer
            .lock()
            .execute(
                "INSERT INTO runs (id, started_ms, last_ms) VALUES (?1, ?2, ?2)
                 ON CONFLICT (id) DO NOTHING",
                params![run, started_ms],
            )
            .map(|_| ())
            .map_err(|e| error(&self.at(), e))
    }

    fn commit(&self, run: &str, frame: &FrameCommit) -> Result<(), StorageError> {
        let at = self.at();
        let e = |e| error(&at, e);
        let mut conn = self.writer.lock();
        let tx = conn.transaction().map_err(e)?;
        let mut fresh: Vec<(SeriesKey, i64)> = Vec::with_capacity(frame.new_series.len());
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO series (tenant, customer, model) VALUES (?1, ?2, ?3)
                     ON CONFLICT (tenant, customer, model) DO UPDATE SET tenant = excluded.tenant
                     RETURNING id",
                )
                .map_err(e)?;
            for (key, name) in &frame.new_series {
                let id: i64 = insert
                    .query_row(params![name.tenant, name.customer, name.model], |r| {
                        r.get(0)
                    })
                    .map_err(e)?;
                fresh.push((*key, id));
            }
            let keys = self.keys.read();
            let id_of = |key: &SeriesKey| {
                fresh
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, id)| *id)
                    .or_else(|| keys.to_db.get(key).copied())
            };
            let mut upsert = tx.prepare_cached(UPSERT).map_err(e)?;
            for entry in &frame.entries {
                let Some(series) = id_of(&entry.key) else {
                    return Err(StorageError(format!(
                        "storage unavailable: frame {} uses a series it never named",
                        frame.frame_no
                    )));
                };
                let u = &entry.usage;
                for tier in Tier::ALL {
                    let kept_ms = self.retention.of(tier).as_millis() as i64;
                    if entry.ts_ms < frame.sealed_at_ms - kept_ms {
                        continue;
                    }
                    upsert
                        .execute(params![
                            tier.code(),
                            tier.align(entry.ts_ms),
                            series,
                            int(u.calls),
                            int(u.tokens),
                            int(u.input_tokens),
                            int(u.output_tokens),
                            u.cost,
                            u.latency_ms_sum,
                            i64::from(entry.samples),
                            int(u.cache_read_tokens),
                            int(u.cache_write_tokens),
                            int(u.reasoning_tokens),
                            int(u.unpriced_calls),
                        ])
                        .map_err(e)?;
                }
            }
            tx.execute(
                "UPDATE runs SET last_ms = MAX(last_ms, ?2) WHERE id = ?1",
                params![run, frame.sealed_at_ms],
            )
            .map_err(e)?;
        }
        tx.commit().map_err(e)?;
        self.adopt(&fresh.into_iter().map(|(k, id)| (id, k)).collect::<Vec<_>>());
        Ok(())
    }

    fn save_anomaly(&self, anomaly: &Anomaly) -> Result<(), StorageError> {
        let body = serde_json::to_string(anomaly)
            .map_err(|e| StorageError(format!("storage unavailable: anomaly to JSON: {e}")))?;
        self.writer
            .lock()
            .execute(
                "INSERT INTO anomalies (id, started_ms, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET started_ms = excluded.started_ms, body = excluded.body",
                params![anomaly.id, anomaly.started_at.timestamp_millis(), body],
            )
            .map(|_| ())
            .map_err(|e| error(&self.at(), e))
    }

    fn put_budget(&self, budget: &Budget) -> Result<(), StorageError> {
        self.writer
            .lock()
            .execute(
                "INSERT INTO budgets (tenant, customer, model, monthly_usd) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (tenant, customer, model) DO UPDATE SET monthly_usd = excluded.monthly_usd",
                params![
                    budget.tenant_id,
                    budget.customer_id.as_deref().unwrap_or(""),
                    budget.model.as_deref().unwrap_or(""),
                    budget.monthly_usd
                ],
            )
            .map(|_| ())
            .map_err(|e| error(&self.at(), e))
    }

    fn delete_budget(&self, scope: &Budget) -> Result<(), StorageError> {
        self.writer
            .lock()
            .execute(
                "DELETE FROM budgets WHERE tenant = ?1 AND customer = ?2 AND model = ?3",
                params![
                    scope.tenant_id,
                    scope.customer_id.as_deref().unwrap_or(""),
                    scope.model.as_deref().unwrap_or("")
                ],
            )
            .map(|_| ())
            .map_err(|e| error(&self.at(), e))
    }

    fn prune(
        &self,
        now_ms: i64,
        retention: &Retention,
        max_rows: usize,
    ) -> Result<u64, StorageError> {
        let at = self.at();
        let e = |e| error(&at, e);
        let conn = self.writer.lock();
        let mut deleted = 0u64;
        for tier in Tier::ALL {
            let cutoff = now_ms - retention.of(tier).as_millis() as i64;
            let left = max_rows.saturating_sub(deleted as usize);
            if left == 0 {
                break;
            }
            deleted += conn
                .execute(
                    "DELETE FROM rollups WHERE (tier, bucket, series) IN
                     (SELECT tier, bucket, series FROM rollups
                      WHERE tier = ?1 AND bucket < ?2 LIMIT ?3)",
                    params![tier.code(), cutoff, left as i64],
                )
                .map_err(e)? as u64;
        }
        let oldest = now_ms - retention.hours.as_millis() as i64;
        conn.execute("DELETE FROM runs WHERE last_ms < ?1", [oldest])
            .map_err(e)?;
        conn.execute("DELETE FROM anomalies WHERE started_ms < ?1", [oldest])
            .map_err(e)?;
        Ok(deleted)
    }

    fn read(&self, tier: Tier, from_ms: i64, to_ms: i64) -> Result<Vec<WarmRow>, StorageError> {
        let at = self.at();
        let e = |e| error(&at, e);
        let conn = self.reader.lock();
        let mut stmt = conn.prepare_cached(SELECT_ROWS).map_err(e)?;
        let rows = stmt
            .query_map(params![tier.code(), from_ms, to_ms], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, usage_at(r, 2)?))
            })
            .map_err(e)?;
        let mut out = Vec::new();
        for row in rows {
            let (series, bucket_ms, usage) = row.map_err(e)?;
            if let Some(key) = self.key_of(series) {
                out.push(WarmRow {
                    tier,
                    bucket_ms,
                    key,
                    usage,
                });
            }
        }
        Ok(out)
    }

    fn size_bytes(&self) -> u64 {
        let file = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
        file(&self.path) + file(&self.path.with_extension("db-wal"))
    }
}

/// The schema version of the database in `dir`, if there is one (for tests and tools).
pub fn schema_version(dir: &Path) -> Option<i64> {
    let conn =
        Connection::open_with_flags(dir.join(FILE_NAME), OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .optional()
        .ok()
        .flatten()
}
