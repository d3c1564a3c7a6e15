//! octoperf's own history of runs: every run's report, appended through sqlx to an SQLite file
//! (the default, nothing to install) or a PostgreSQL database, and read back for `history`,
//! `compare` and `review`. This is the harness's store, not the system's: it never touches an
//! Orchestrator's tables, and it can share a database with them.

use std::path::Path;
use std::time::Duration;

use reports::{RowVerdict, RunReport, Verdict};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Row};

/// Where `octoperf run` keeps its history unless told otherwise.
pub const DEFAULT_PATH: &str = "target/octoperf-history.db";

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("cannot open the history {url}: {source}")]
    Open { url: String, source: sqlx::Error },
    #[error("cannot create the folder of the history {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot migrate the history {url}: {source}")]
    Migrate {
        url: String,
        source: sqlx::migrate::MigrateError,
    },
    #[error("the history {url}: {what}: {source}")]
    Query {
        url: String,
        what: String,
        source: sqlx::Error,
    },
    #[error("the history {url}: run {run_id} is stored, but its report does not read: {source}")]
    Corrupt {
        url: String,
        run_id: String,
        source: serde_json::Error,
    },
    #[error("the history {url} already holds run {run_id}")]
    Duplicate { url: String, run_id: String },
    #[error("the history {url}: run group {group}: {why}")]
    Group {
        url: String,
        group: String,
        why: String,
    },
}

/// Where a segment of a run group stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentState {
    /// Joined and (while it beats) running.
    Joined,
    /// Its report is recorded.
    Finished,
    /// Stopped by Ctrl-C or SIGTERM; its partial report is recorded.
    Interrupted,
}

/// One segment of a run group, as the rendezvous knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentRecord {
    pub index: u32,
    pub count: u32,
    pub host: String,
    pub state: SegmentState,
    /// Its run, once recorded.
    pub run_id: Option<String>,
    /// When it joined and last beat, ms since the Unix epoch by its host's clock.
    pub joined_at_ms: i64,
    pub beat_at_ms: i64,
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// One stored run, without its report.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub run_id: String,
    pub started_at: String,
    pub started_at_s: i64,
    pub git_commit: Option<String>,
    pub git_branch: Option<String>,
    pub git_dirty: bool,
    pub profile: String,
    pub quick: bool,
    pub scenarios: Vec<String>,
    pub verdict: String,
    pub machine_fingerprint: String,
    pub hostname: String,
    /// The run's folder when it was recorded, if known.
    pub folder: Option<String>,
}

/// Which runs to list: every field that is set must match.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Runs that ran this scenario (among others).
    pub scenario: Option<String>,
    pub branch: Option<String>,
    /// Runs that started at or after this time, in seconds since the Unix epoch.
    pub since_s: Option<i64>,
    /// Runs that started before this time.
    pub until_s: Option<i64>,
    /// Runs on this machine fingerprint.
    pub machine_fingerprint: Option<String>,
    /// Quick runs only (`Some(true)`), full-length only (`Some(false)`).
    pub quick: Option<bool>,
    /// The newest this many.
    pub limit: Option<u32>,
}

/// An open history.
#[derive(Clone)]
pub struct History {
    pool: AnyPool,
    /// The URL without its password, for messages.
    url: String,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Where the history records its own migrations.
pub const MIGRATIONS_TABLE: &str = "_octoperf_history_migrations";

/// The time the sessions of the PostgreSQL database at `url` have spent running statements,
/// in seconds (`pg_stat_database.active_time`, PostgreSQL 14 and later): how the harness
/// samples a stack's database that is not on this machine. It reads only the server's
/// statistics, never a table of the system's. One small pool per URL is kept for the
/// process's life, so that sampling once a second does not connect once a second.
pub async fn database_active_seconds(url: &str) -> Result<f64, HistoryError> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static POOLS: OnceLock<Mutex<HashMap<String, AnyPool>>> = OnceLock::new();
    sqlx::any::install_default_drivers();
    let shown = redact(url);
    let known = POOLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(url)
        .cloned();
    let pool = match known {
        Some(pool) => pool,
        None => {
            let pool = AnyPoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(2))
                .connect(url)
                .await
                .map_err(|source| HistoryError::Open {
                    url: shown.clone(),
                    source,
                })?;
            POOLS
                .get_or_init(Default::default)
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(url.to_owned(), pool.clone());
            pool
        }
    };
    let row = sqlx::query(
        "SELECT CAST(COALESCE(active_time, 0) / 1000.0 AS DOUBLE PRECISION) AS active \
         FROM pg_stat_database WHERE datname = current_database()",
    )
    .fetch_one(&pool)
    .await
    .map_err(|source| HistoryError::Query {
        url: shown,
        what: "reading pg_stat_database".into(),
        source,
    })?;
    row.try_get::<f64, _>("active")
        .map_err(|source| HistoryError::Query {
            url: redact(url),
            what: "reading pg_stat_database".into(),
            source,
        })
}

/// Opens the SQLite history at `path`, creating it and its folder if needed.
pub async fn open_path(path: &Path) -> Result<History, HistoryError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| HistoryError::Folder {
            path: parent.display().to_string(),
            source,
        })?;
    }
    open(&format!("sqlite://{}?mode=rwc", path.display())).await
}

/// Opens the history at `url` (`sqlite://…` or `postgres://…`) and brings its tables up to
/// date.
pub async fn open(url: &str) -> Result<History, HistoryError> {
    sqlx::any::install_default_drivers();
    let shown = redact(url);
    let is_sqlite = url.starts_with("sqlite:");
    let pool = AnyPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if is_sqlite {
                    // Two runs finishing together queue for the one writer instead of failing
                    // with "database is locked".
                    sqlx::raw_sql("PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;")
                        .execute(conn)
                        .await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await
        .map_err(|source| HistoryError::Open {
            url: shown.clone(),
            source,
        })?;
    // A table of its own for the history's migrations, so that a database shared with an
    // Orchestrator keeps the two migration sets apart.
    let mut migrator = sqlx::migrate::Migrator::with_migrations(MIGRATOR.migrations.to_vec());
    migrator.dangerous_set_table_name(MIGRATIONS_TABLE);
    migrator
        .run(&pool)
        .await
        .map_err(|source| HistoryError::Migrate {
            url: shown.clone(),
            source,
        })?;
    Ok(History { pool, url: shown })
}

impl History {
    /// The history's URL, without its password.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Appends a run: its summary, every row's value and verdict, and the whole report (its
    /// histograms of record included), in one transaction.
    pub async fn append(
        &self,
        report: &RunReport,
        folder: Option<&Path>,
    ) -> Result<(), HistoryError> {
        self.append_with_files(report, folder, &[]).await
    }

    /// [`History::append`], with files the run carries (`(path relative to its folder,
    /// text)`: a segment's interval logs). A segment's report (one entry in `segments`, with
    /// a run group) also finishes its segment in the group, in the same transaction.
    pub async fn append_with_files(
        &self,
        report: &RunReport,
        folder: Option<&Path>,
        files: &[(String, String)],
    ) -> Result<(), HistoryError> {
        let json = serde_json::to_string(report).expect("a report serialises");
        let (commit, dirty) = report.commit();
        let scenarios = format!(",{},", report.scenario_names().join(","));
        let started_at_s = epoch_seconds(&report.started_at).unwrap_or(0);
        let query_error = |what: &str| {
            let url = self.url.clone();
            let what = what.to_owned();
            move |source| HistoryError::Query { url, what, source }
        };
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(query_error("beginning a transaction"))?;
        let exists = sqlx::query("SELECT 1 FROM octoperf_runs WHERE run_id = $1")
            .bind(&report.run_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(query_error("looking for the run"))?;
        if exists.is_some() {
            return Err(HistoryError::Duplicate {
                url: self.url.clone(),
                run_id: report.run_id.clone(),
            });
        }
        sqlx::query(
            "INSERT INTO octoperf_runs (run_id, started_at, started_at_s, git_commit, git_branch, \
             git_dirty, profile, quick, scenarios, verdict, machine_fingerprint, hostname, \
             cpu_model, cpus, memory_bytes, kernel, folder, report) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18)",
        )
        .bind(&report.run_id)
        .bind(&report.started_at)
        .bind(started_at_s)
        .bind(commit)
        .bind(report.git_branch.as_deref())
        .bind(i64::from(dirty))
        .bind(&report.profile)
        .bind(i64::from(report.quick))
        .bind(&scenarios)
        .bind(verdict_name(report.verdict))
        .bind(report.machine.fingerprint())
        .bind(&report.machine.hostname)
        .bind(&report.machine.cpu_model)
        .bind(i64::from(report.machine.cpus))
        .bind(i64::try_from(report.machine.memory_bytes).unwrap_or(i64::MAX))
        .bind(&report.machine.kernel)
        .bind(folder.map(|f| f.display().to_string()))
        .bind(&json)
        .execute(&mut *tx)
        .await
        .map_err(query_error("storing the run"))?;
        for row in &report.rows {
            // An unmeasured row's NULL as a literal, not a bound `None`: through sqlx's `Any`
            // a bound NULL declares the parameter with another type than a float, PostgreSQL
            // keeps the statement prepared with it, and the next row's float then fails as
            // "incorrect binary data format in bind parameter 4" (a run of one scenario, its
            // other scenarios' rows unmeasured, could not be recorded).
            let query = match row.measured {
                Some(_) => {
                    "INSERT INTO octoperf_rows (run_id, row_key, scenario, measured, limit_value, \
                     unit, verdict) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                }
                None => {
                    "INSERT INTO octoperf_rows (run_id, row_key, scenario, measured, limit_value, \
                     unit, verdict) VALUES ($1, $2, $3, NULL, $4, $5, $6)"
                }
            };
            let mut query = sqlx::query(query)
                .bind(&report.run_id)
                .bind(row_key(row))
                .bind(row.scenario.as_deref());
            if let Some(measured) = row.measured {
                query = query.bind(measured);
            }
            query
                .bind(row.limit)
                .bind(&row.unit)
                .bind(row_verdict_name(row.verdict))
                .execute(&mut *tx)
                .await
                .map_err(query_error("storing a row"))?;
        }
        for (path, content) in files {
            sqlx::query(
                "INSERT INTO octoperf_run_files (run_id, path, content) VALUES ($1, $2, $3)",
            )
            .bind(&report.run_id)
            .bind(path)
            .bind(content)
            .execute(&mut *tx)
            .await
            .map_err(query_error("storing a file of the run"))?;
        }
        if let [segment] = report.segments.as_slice()
            && let Some(group) = &segment.run_group
        {
            sqlx::query(
                "UPDATE octoperf_segments SET state = $1, run_id = $2, beat_at_ms = $3 \
                 WHERE run_group = $4 AND segment_index = $5",
            )
            .bind(if report.interrupted {
                "interrupted"
            } else {
                "finished"
            })
            .bind(&report.run_id)
            .bind(now_ms())
            .bind(group)
            .bind(i64::from(segment.index))
            .execute(&mut *tx)
            .await
            .map_err(query_error("finishing the segment"))?;
        }
        tx.commit()
            .await
            .map_err(query_error("committing the run"))?;
        Ok(())
    }

    /// Segment `index` of `count` joins `group` from `host`. Refused when the group was
    /// joined with another count, or this index already finished in it (a group id is for
    /// one run).
    pub async fn join_segment(
        &self,
        group: &str,
        (index, count): (u32, u32),
        host: &str,
    ) -> Result<(), HistoryError> {
        let query_error = |what: &str| {
            let url = self.url.clone();
            let what = what.to_owned();
            move |source| HistoryError::Query { url, what, source }
        };
        let known = self.segments(group).await?;
        if let Some(other) = known.iter().find(|s| s.count != count) {
            return Err(HistoryError::Group {
                url: self.url.clone(),
                group: group.to_owned(),
                why: format!(
                    "it was joined by segment {}/{} (from {}): every segment must give the same N, not {count}",
                    other.index, other.count, other.host
                ),
            });
        }
        if let Some(done) = known
            .iter()
            .find(|s| s.index == index && s.state != SegmentState::Joined)
        {
            return Err(HistoryError::Group {
                url: self.url.clone(),
                group: group.to_owned(),
                why: format!(
                    "segment {index}/{count} already ran in it (run {}, from {}): a run group is for one run; choose a new --run-group",
                    done.run_id.as_deref().unwrap_or("?"),
                    done.host
                ),
            });
        }
        let now = now_ms();
        sqlx::query(
            "INSERT INTO octoperf_segments (run_group, segment_index, segment_count, host, state, \
             joined_at_ms, beat_at_ms) VALUES ($1, $2, $3, $4, 'joined', $5, $5) \
             ON CONFLICT (run_group, segment_index) DO UPDATE SET host = $4, joined_at_ms = $5, \
             beat_at_ms = $5",
        )
        .bind(group)
        .bind(i64::from(index))
        .bind(i64::from(count))
        .bind(host)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(query_error("joining the run group"))?;
        Ok(())
    }

    /// A running segment says it is alive.
    pub async fn beat_segment(&self, group: &str, index: u32) -> Result<(), HistoryError> {
        sqlx::query(
            "UPDATE octoperf_segments SET beat_at_ms = $1 WHERE run_group = $2 \
             AND segment_index = $3 AND state = 'joined'",
        )
        .bind(now_ms())
        .bind(group)
        .bind(i64::from(index))
        .execute(&self.pool)
        .await
        .map(|_| ())
        .map_err(|source| HistoryError::Query {
            url: self.url.clone(),
            what: "beating for the segment".into(),
            source,
        })
    }

    /// The segments of `group`, by index.
    pub async fn segments(&self, group: &str) -> Result<Vec<SegmentRecord>, HistoryError> {
        let read = |source| HistoryError::Query {
            url: self.url.clone(),
            what: format!("reading run group {group}"),
            source,
        };
        let rows = sqlx::query(
            "SELECT segment_index, segment_count, host, state, run_id, joined_at_ms, beat_at_ms \
             FROM octoperf_segments WHERE run_group = $1 ORDER BY segment_index",
        )
        .bind(group)
        .fetch_all(&self.pool)
        .await
        .map_err(read)?;
        rows.iter()
            .map(|row| {
                let state: String = row.try_get("state")?;
                Ok(SegmentRecord {
                    index: u32::try_from(row.try_get::<i64, _>("segment_index")?).unwrap_or(0),
                    count: u32::try_from(row.try_get::<i64, _>("segment_count")?).unwrap_or(0),
                    host: row.try_get("host")?,
                    state: match state.as_str() {
                        "finished" => SegmentState::Finished,
                        "interrupted" => SegmentState::Interrupted,
                        _ => SegmentState::Joined,
                    },
                    run_id: row.try_get("run_id")?,
                    joined_at_ms: row.try_get("joined_at_ms")?,
                    beat_at_ms: row.try_get("beat_at_ms")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(read)
    }

    /// The files a run carried into the history, by path.
    pub async fn files(&self, run_id: &str) -> Result<Vec<(String, String)>, HistoryError> {
        let rows = sqlx::query(
            "SELECT path, content FROM octoperf_run_files WHERE run_id = $1 ORDER BY path",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await
        .map_err(|source| HistoryError::Query {
            url: self.url.clone(),
            what: format!("reading the files of run {run_id}"),
            source,
        })?;
        rows.iter()
            .map(|row| Ok((row.try_get("path")?, row.try_get("content")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(|source| HistoryError::Query {
                url: self.url.clone(),
                what: format!("reading the files of run {run_id}"),
                source,
            })
    }

    /// The runs that match `filter`, newest first.
    pub async fn list(&self, filter: &Filter) -> Result<Vec<RunSummary>, HistoryError> {
        let mut sql = String::from(
            "SELECT run_id, started_at, started_at_s, git_commit, git_branch, git_dirty, \
             profile, quick, scenarios, verdict, machine_fingerprint, hostname, folder \
             FROM octoperf_runs WHERE 1 = 1",
        );
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if filter.scenario.is_some() {
            sql.push_str(&format!(" AND scenarios LIKE {}", next()));
        }
        if filter.branch.is_some() {
            sql.push_str(&format!(" AND git_branch = {}", next()));
        }
        if filter.since_s.is_some() {
            sql.push_str(&format!(" AND started_at_s >= {}", next()));
        }
        if filter.until_s.is_some() {
            sql.push_str(&format!(" AND started_at_s < {}", next()));
        }
        if filter.machine_fingerprint.is_some() {
            sql.push_str(&format!(" AND machine_fingerprint = {}", next()));
        }
        if filter.quick.is_some() {
            sql.push_str(&format!(" AND quick = {}", next()));
        }
        sql.push_str(" ORDER BY started_at_s DESC, run_id DESC");
        if let Some(limit) = filter.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        // Only fixed text and `$n` placeholders were added to it; every value is bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(scenario) = &filter.scenario {
            query = query.bind(format!("%,{scenario},%"));
        }
        if let Some(branch) = &filter.branch {
            query = query.bind(branch.clone());
        }
        if let Some(since) = filter.since_s {
            query = query.bind(since);
        }
        if let Some(until) = filter.until_s {
            query = query.bind(until);
        }
        if let Some(fingerprint) = &filter.machine_fingerprint {
            query = query.bind(fingerprint.clone());
        }
        if let Some(quick) = filter.quick {
            query = query.bind(i64::from(quick));
        }
        let rows = query
            .fetch_all(&self.pool)
            .await
            .map_err(|source| HistoryError::Query {
                url: self.url.clone(),
                what: "listing runs".into(),
                source,
            })?;
        rows.iter()
            .map(summary)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(|source| HistoryError::Query {
                url: self.url.clone(),
                what: "reading a run".into(),
                source,
            })
    }

    /// A stored run's whole report, or `None` when no run has that id.
    pub async fn load(&self, run_id: &str) -> Result<Option<RunReport>, HistoryError> {
        Ok(self
            .load_with_folder(run_id)
            .await?
            .map(|(report, _)| report))
    }

    /// A stored run's whole report and the folder it was recorded from.
    pub async fn load_with_folder(
        &self,
        run_id: &str,
    ) -> Result<Option<(RunReport, Option<String>)>, HistoryError> {
        let row = sqlx::query("SELECT report, folder FROM octoperf_runs WHERE run_id = $1")
            .bind(run_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(|source| HistoryError::Query {
                url: self.url.clone(),
                what: format!("loading run {run_id}"),
                source,
            })?;
        let Some(row) = row else { return Ok(None) };
        let read = |source| HistoryError::Query {
            url: self.url.clone(),
            what: format!("loading run {run_id}"),
            source,
        };
        let text: String = row.try_get("report").map_err(read)?;
        let folder: Option<String> = row.try_get("folder").map_err(read)?;
        serde_json::from_str(&text)
            .map(|report| Some((report, folder)))
            .map_err(|source| HistoryError::Corrupt {
                url: self.url.clone(),
                run_id: run_id.to_owned(),
                source,
            })
    }

    /// The reports of the runs that match `filter`, oldest first (for trends).
    pub async fn reports(
        &self,
        filter: &Filter,
    ) -> Result<Vec<(RunSummary, RunReport)>, HistoryError> {
        let mut runs = self.list(filter).await?;
        runs.reverse();
        let mut out = Vec::with_capacity(runs.len());
        for run in runs {
            if let Some(report) = self.load(&run.run_id).await? {
                out.push((run, report));
            }
        }
        Ok(out)
    }

    /// Closes the pool, waiting for its connections to finish.
    pub async fn close(self) {
        self.pool.close().await;
    }
}

/// `table.component.metric`: the key a row keeps across runs.
pub fn row_key(row: &reports::BudgetRow) -> String {
    format!("{}.{}.{}", row.table, row.component, row.metric)
}

/// Seconds since the Unix epoch of an RFC 3339 time, as `2026-11-27T08:10:00Z`.
pub fn epoch_seconds(rfc3339: &str) -> Option<i64> {
    let time = humantime::parse_rfc3339_weak(rfc3339.trim_end_matches('Z')).ok()?;
    let seconds = time.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    i64::try_from(seconds).ok()
}

/// Text with its secrets masked (a URL's password, `password=`, bearer tokens): the one
/// redaction the services share.
pub use secrets::redact;

fn summary(row: &sqlx::any::AnyRow) -> Result<RunSummary, sqlx::Error> {
    let scenarios: String = row.try_get("scenarios")?;
    Ok(RunSummary {
        run_id: row.try_get("run_id")?,
        started_at: row.try_get("started_at")?,
        started_at_s: row.try_get("started_at_s")?,
        git_commit: row.try_get("git_commit")?,
        git_branch: row.try_get("git_branch")?,
        git_dirty: row.try_get::<i64, _>("git_dirty")? != 0,
        profile: row.try_get("profile")?,
        quick: row.try_get::<i64, _>("quick")? != 0,
        scenarios: scenarios
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        verdict: row.try_get("verdict")?,
        machine_fingerprint: row.try_get("machine_fingerprint")?,
        hostname: row.try_get("hostname")?,
        folder: row.try_get("folder")?,
    })
}

fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Invalid => "invalid",
    }
}

fn row_verdict_name(verdict: RowVerdict) -> String {
    serde_json::to_value(verdict)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{verdict:?}"))
}

#[cfg(test)]
mod tests;
