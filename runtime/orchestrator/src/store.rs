//! Persistence of tasks and their steps through sqlx. One interface serves SQLite (the embedded
//! default) and PostgreSQL: the same migrations and the same portable queries.

use std::time::Duration;

use anyhow::Context;
use serde::Serialize;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

/// Task states; `completed`, `failed` and `cancelled` are terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pending,
    Running,
    Completed,
    Failed,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Running => "running",
            Status::Completed => "completed",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        [
            Status::Pending,
            Status::Running,
            Status::Completed,
            Status::Failed,
            Status::Cancelled,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Completed | Status::Failed | Status::Cancelled)
    }
}

/// A task as it is inserted.
#[derive(Debug, Clone)]
pub struct NewTask<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub goal: &'a str,
    pub priority: &'a str,
    pub kind: &'a str,
    pub contract_json: &'a str,
    pub created_at_us: i64,
    /// The instance that accepted it, which holds its lease until `lease_until_us`.
    pub owner: &'a str,
    pub lease_until_us: i64,
    /// Whether a Reflex Layer gated its texts.
    pub gated: bool,
}

/// A step of a plan as it is inserted.
#[derive(Debug, Clone)]
pub struct NewStep<'a> {
    pub step_id: &'a str,
    pub arm: &'a str,
    pub goal: &'a str,
    pub depends_on_json: &'a str,
}

/// A change of a step's state.
#[derive(Debug, Clone, Default)]
pub struct StepUpdate<'a> {
    pub status: &'a str,
    pub result_json: Option<&'a str>,
    pub error: Option<&'a str>,
    pub started_at_us: Option<i64>,
    pub finished_at_us: Option<i64>,
}

/// A task with its steps, as `GET /tasks/{id}` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct TaskView {
    pub task_id: String,
    pub status: Status,
    pub user_id: String,
    pub goal: String,
    pub priority: String,
    pub kind: String,
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
    pub created_at_us: i64,
    pub started_at_us: Option<i64>,
    pub finished_at_us: Option<i64>,
    /// Whether a Reflex Layer gated its texts (`false`: the instance that took it ran without
    /// one).
    pub gated: bool,
    pub timings: Timings,
    pub steps: Vec<StepView>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    pub queued_ms: Option<f64>,
    pub run_ms: Option<f64>,
    pub total_ms: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    pub step_id: String,
    pub arm: String,
    pub goal: String,
    pub depends_on: serde_json::Value,
    pub status: String,
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
    pub started_at_us: Option<i64>,
    pub finished_at_us: Option<i64>,
}

/// The database behind the Orchestrator.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    /// PostgreSQL, whose row locks let claims skip rows another instance is claiming.
    postgres: bool,
}

/// What an instance holds of a task while it runs it: its name and the epoch its claim
/// raised the task to. Every write of the task's rows names it, and changes nothing once
/// another claim has raised the epoch (the instance was paused past its lease, say): the
/// fencing token of a lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fence<'a> {
    pub owner: &'a str,
    pub epoch: i64,
}

/// A step as recorded, for a resumed task.
#[derive(Debug, Clone)]
pub struct StoredStep {
    pub step_id: String,
    pub arm: String,
    pub goal: String,
    pub depends_on: Vec<String>,
    pub status: String,
    pub result: Option<serde_json::Value>,
}

/// A claim on tasks: who holds it, the time now, and until when it holds.
#[derive(Debug, Clone, Copy)]
pub struct Lease<'a> {
    pub owner: &'a str,
    pub now_us: i64,
    pub until_us: i64,
}

/// The epoch of a task's first claim: [`Store::claim_running`] raises a pending task's 0 to
/// it, and [`Store::insert_running`] stores it at once.
pub const FIRST_EPOCH: i64 = 1;

/// The condition of a task `me` may claim at `now` (both placeholders): unfinished, and
/// unowned, its own, or its lease expired.
fn claimable(me: &str, now: &str) -> String {
    format!(
        "status IN ('pending', 'running') \
         AND (owner IS NULL OR owner = {me} OR lease_until_us IS NULL OR lease_until_us < {now})"
    )
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl Store {
    /// Connects to `url` (`sqlite://…` or `postgres://…`), creating a SQLite file if needed,
    /// and applies the migrations.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        let url = &sqlite_create_if_missing(url);
        let is_sqlite = url.starts_with("sqlite:");
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if is_sqlite {
                        // WAL lets readers run beside the one writer; the busy timeout makes
                        // writers queue instead of failing with "database is locked".
                        sqlx::raw_sql(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
                        )
                        .execute(conn)
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await
            .with_context(|| format!("connecting to the database {}", redact(url)))?;
        MIGRATOR
            .run(&pool)
            .await
            .with_context(|| format!("migrating the database {}", redact(url)))?;
        Ok(Store {
            pool,
            postgres: !is_sqlite,
        })
    }

    /// The connection pool, for tools and tests that reach past the store's queries.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A round trip to the database, for `/ready`.
    pub async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Records an accepted task, pending: it waits for a slot, and [`Store::claim_running`]
    /// claims it when one frees.
    pub async fn insert_task(&self, task: &NewTask<'_>) -> anyhow::Result<()> {
        self.insert(task, false).await
    }

    /// Records an accepted task already claimed by its owner and running, as
    /// [`Store::insert_task`] then [`Store::claim_running`] would leave it, in one statement
    /// and one commit: for a task that starts at once. The fence of its writes is epoch
    /// [`FIRST_EPOCH`].
    pub async fn insert_running(&self, task: &NewTask<'_>) -> anyhow::Result<i64> {
        self.insert(task, true).await?;
        Ok(FIRST_EPOCH)
    }

    async fn insert(&self, task: &NewTask<'_>, running: bool) -> anyhow::Result<()> {
        let (status, started_at_us, epoch) = if running {
            (Status::Running, Some(task.created_at_us), FIRST_EPOCH)
        } else {
            (Status::Pending, None, 0)
        };
        sqlx::query(
            "INSERT INTO tasks (id, user_id, goal, priority, kind, contract, status, created_at_us, \
                                owner, lease_until_us, gated, started_at_us, epoch) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(task.id)
        .bind(task.user_id)
        .bind(task.goal)
        .bind(task.priority)
        .bind(task.kind)
        .bind(task.contract_json)
        .bind(status.as_str())
        .bind(task.created_at_us)
        .bind(task.owner)
        .bind(task.lease_until_us)
        .bind(i64::from(task.gated))
        .bind(started_at_us)
        .bind(epoch)
        .execute(&self.pool)
        .await
        .with_context(|| format!("inserting task {}", task.id))?;
        Ok(())
    }

    /// Claims task `id` for `lease.owner` and marks it running, if it is unfinished and
    /// claimable (unowned, the owner's own, or its lease expired): the epoch the claim raised
    /// it to, the fence of every write that follows. `None` when another instance holds it,
    /// or it has ended.
    pub async fn claim_running(&self, id: &str, lease: &Lease<'_>) -> anyhow::Result<Option<i64>> {
        let sql = format!(
            "UPDATE tasks SET status = 'running', started_at_us = COALESCE(started_at_us, $1), \
                    owner = $2, lease_until_us = $3, epoch = epoch + 1 \
             WHERE id = $4 AND {} RETURNING epoch",
            claimable("$2", "$1")
        );
        let row = // Built only from constant fragments: no input reaches the text.
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(lease.now_us)
            .bind(lease.owner)
            .bind(lease.until_us)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .with_context(|| format!("claiming task {id}"))?;
        row.map(|row| row.try_get::<i64, _>("epoch").map_err(Into::into))
            .transpose()
    }

    /// Takes the task's row lock (PostgreSQL) or the write lock (SQLite) inside `tx`, if
    /// `fence` still holds the task: its owner and epoch, and the task unfinished. False when
    /// another claim has raised the epoch since, or the task has ended.
    async fn hold_fence(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        task_id: &str,
        fence: &Fence<'_>,
    ) -> anyhow::Result<bool> {
        let held = sqlx::query(
            "UPDATE tasks SET epoch = epoch \
             WHERE id = $1 AND owner = $2 AND epoch = $3 AND status IN ('pending', 'running')",
        )
        .bind(task_id)
        .bind(fence.owner)
        .bind(fence.epoch)
        .execute(&mut **tx)
        .await?;
        Ok(held.rows_affected() == 1)
    }

    /// Extends the lease of every unfinished task `lease.owner` holds: its heartbeat.
    pub async fn renew_leases(&self, lease: &Lease<'_>) -> anyhow::Result<u64> {
        let done = sqlx::query(
            "UPDATE tasks SET lease_until_us = $1 \
             WHERE owner = $2 AND status IN ('pending', 'running')",
        )
        .bind(lease.until_us)
        .bind(lease.owner)
        .execute(&self.pool)
        .await
        .context("renewing leases")?;
        Ok(done.rows_affected())
    }

    /// Claims up to `limit` unfinished tasks whose lease expired (their owner died), oldest
    /// first, for `lease.owner`; returns their ids and contracts. On PostgreSQL the rows are
    /// locked `FOR UPDATE SKIP LOCKED`, so that instances claiming at once take disjoint sets
    /// without waiting on each other; SQLite has one writer at a time.
    pub async fn claim_expired(
        &self,
        lease: &Lease<'_>,
        limit: i64,
    ) -> anyhow::Result<Vec<(String, String)>> {
        let lock = if self.postgres {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE tasks SET owner = $1, lease_until_us = $2, epoch = epoch + 1 \
             WHERE id IN (SELECT id FROM tasks \
                          WHERE status IN ('pending', 'running') AND owner IS NOT NULL \
                            AND owner <> $1 AND lease_until_us < $3 \
                          ORDER BY created_at_us LIMIT $4{lock}) \
             RETURNING id, contract"
        );
        let rows = // Built only from constant fragments: no input reaches the text.
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(lease.owner)
            .bind(lease.until_us)
            .bind(lease.now_us)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .context("claiming tasks whose lease expired")?;
        rows.iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("contract")?)))
            .collect()
    }

    /// Writes a task's outcome, if `fence` still holds it, and answers with the task as
    /// written (its steps left out) in the same round trip; `None`, and nothing changed,
    /// when another instance owns it now or it has ended.
    pub async fn finish_task(
        &self,
        id: &str,
        fence: &Fence<'_>,
        status: Status,
        result_json: Option<&str>,
        error: Option<&str>,
        at_us: i64,
    ) -> anyhow::Result<Option<TaskView>> {
        let row = sqlx::query(
            "UPDATE tasks SET status = $1, result = $2, error = $3, finished_at_us = $4 \
             WHERE id = $5 AND owner = $6 AND epoch = $7 AND status IN ('pending', 'running') \
             RETURNING id, status, user_id, goal, priority, kind, result, error, created_at_us, \
                       started_at_us, finished_at_us, gated",
        )
        .bind(status.as_str())
        .bind(result_json)
        .bind(error)
        .bind(at_us)
        .bind(id)
        .bind(fence.owner)
        .bind(fence.epoch)
        .fetch_optional(&self.pool)
        .await
        .with_context(|| format!("finishing task {id}"))?;
        row.as_ref().map(task_from_row).transpose()
    }

    /// Fails a task whose stored contract cannot be read, whoever holds it: nothing can run it.
    pub async fn fail_unreadable(&self, id: &str, error: &str, at_us: i64) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE tasks SET status = 'failed', error = $1, finished_at_us = $2 \
             WHERE id = $3 AND status IN ('pending', 'running')",
        )
        .bind(error)
        .bind(at_us)
        .bind(id)
        .execute(&self.pool)
        .await
        .with_context(|| format!("failing task {id}"))?;
        Ok(())
    }

    /// Records a task's plan, all steps pending, in one transaction and one multi-row insert,
    /// if `fence` still holds the task (false otherwise, and nothing is written). A step
    /// already recorded is kept as it is: a plan is recorded once, and a resumed task runs
    /// only what its record has left.
    pub async fn insert_steps(
        &self,
        task_id: &str,
        fence: &Fence<'_>,
        steps: &[NewStep<'_>],
    ) -> anyhow::Result<bool> {
        let mut tx = self.pool.begin().await?;
        if !Store::hold_fence(&mut tx, task_id, fence).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        if !steps.is_empty() {
            const COLUMNS: usize = 6;
            let mut sql = String::with_capacity(128 + steps.len() * 48);
            sql.push_str(
                "INSERT INTO task_steps (task_id, step_id, position, arm, goal, depends_on, status) VALUES ",
            );
            for idx in 0..steps.len() {
                let base = idx * COLUMNS;
                if idx > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, 'pending')",
                    base + 1,
                    base + 2,
                    base + 3,
                    base + 4,
                    base + 5,
                    base + 6
                ));
            }
            sql.push_str(" ON CONFLICT (task_id, step_id) DO NOTHING");
            // Audited: the string holds only numbered placeholders; every value is bound.
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (position, step) in steps.iter().enumerate() {
                query = query
                    .bind(task_id)
                    .bind(step.step_id)
                    .bind(position as i64)
                    .bind(step.arm)
                    .bind(step.goal)
                    .bind(step.depends_on_json);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit()
            .await
            .with_context(|| format!("writing the steps of task {task_id}"))?;
        Ok(true)
    }

    /// Writes a step's new state, if `fence` still holds the task (false otherwise, and
    /// nothing is written); a `None` result or start time keeps the stored one.
    pub async fn update_step(
        &self,
        task_id: &str,
        step_id: &str,
        fence: &Fence<'_>,
        update: &StepUpdate<'_>,
    ) -> anyhow::Result<bool> {
        let mut tx = self.pool.begin().await?;
        if !Store::hold_fence(&mut tx, task_id, fence).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(
            "UPDATE task_steps SET status = $1, result = COALESCE($2, result), error = $3, \
             started_at_us = COALESCE($4, started_at_us), finished_at_us = $5 \
             WHERE task_id = $6 AND step_id = $7",
        )
        .bind(update.status)
        .bind(update.result_json)
        .bind(update.error)
        .bind(update.started_at_us)
        .bind(update.finished_at_us)
        .bind(task_id)
        .bind(step_id)
        .execute(&mut *tx)
        .await
        .with_context(|| format!("updating step {step_id} of task {task_id}"))?;
        tx.commit()
            .await
            .with_context(|| format!("updating step {step_id} of task {task_id}"))?;
        Ok(true)
    }

    /// A task's recorded steps, in plan order: what a resumed task has left to run.
    pub async fn task_steps(&self, task_id: &str) -> anyhow::Result<Vec<StoredStep>> {
        let rows = sqlx::query(
            "SELECT step_id, arm, goal, depends_on, status, result FROM task_steps \
             WHERE task_id = $1 ORDER BY position",
        )
        .bind(task_id)
        .fetch_all(&self.pool)
        .await
        .with_context(|| format!("reading the steps of task {task_id}"))?;
        rows.iter()
            .map(|row| {
                let depends_on: String = row.try_get("depends_on")?;
                Ok(StoredStep {
                    step_id: row.try_get("step_id")?,
                    arm: row.try_get("arm")?,
                    goal: row.try_get("goal")?,
                    depends_on: serde_json::from_str(&depends_on).with_context(|| {
                        format!("task {task_id}: a step's depends_on is not a list of ids")
                    })?,
                    status: row.try_get("status")?,
                    result: row
                        .try_get::<Option<String>, _>("result")?
                        .map(|text| parse_json(&text)),
                })
            })
            .collect()
    }

    /// The owner and epoch of a task now, for tests and tools.
    pub async fn fence_of(&self, task_id: &str) -> anyhow::Result<Option<(Option<String>, i64)>> {
        let row = sqlx::query("SELECT owner, epoch FROM tasks WHERE id = $1")
            .bind(task_id)
            .fetch_optional(&self.pool)
            .await
            .with_context(|| format!("reading the lease of task {task_id}"))?;
        row.map(|row| Ok((row.try_get("owner")?, row.try_get("epoch")?)))
            .transpose()
    }

    /// The user a task belongs to; `None` when there is no such task.
    pub async fn task_user(&self, id: &str) -> anyhow::Result<Option<String>> {
        sqlx::query_scalar("SELECT user_id FROM tasks WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .with_context(|| format!("reading the user of task {id}"))
    }

    /// A task and its steps in one query (a join, not one query per step).
    pub async fn get_task(&self, id: &str) -> anyhow::Result<Option<TaskView>> {
        let rows = sqlx::query(
            "SELECT t.id, t.status, t.user_id, t.goal, t.priority, t.kind, t.result, t.error, \
                    t.created_at_us, t.started_at_us, t.finished_at_us, t.gated, \
                    s.step_id, s.arm, s.goal AS step_goal, s.depends_on, s.status AS step_status, \
                    s.result AS step_result, s.error AS step_error, \
                    s.started_at_us AS step_started, s.finished_at_us AS step_finished \
             FROM tasks t LEFT JOIN task_steps s ON s.task_id = t.id \
             WHERE t.id = $1 ORDER BY s.position",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .with_context(|| format!("reading task {id}"))?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let mut view = task_from_row(first)?;
        for row in &rows {
            if let Some(step_id) = row.try_get::<Option<String>, _>("step_id")? {
                view.steps.push(StepView {
                    step_id,
                    arm: row.try_get("arm")?,
                    goal: row.try_get("step_goal")?,
                    depends_on: parse_json(row.try_get::<String, _>("depends_on")?.as_str()),
                    status: row.try_get("step_status")?,
                    result: row
                        .try_get::<Option<String>, _>("step_result")?
                        .map(|text| parse_json(&text)),
                    error: row.try_get("step_error")?,
                    started_at_us: row.try_get("step_started")?,
                    finished_at_us: row.try_get("step_finished")?,
                });
            }
        }
        Ok(Some(view))
    }

    /// How many tasks accepted by `before_us` are not finished and claimable by
    /// `lease.owner` (see [`Store::claim_running`]).
    pub async fn count_unfinished(
        &self,
        before_us: i64,
        lease: &Lease<'_>,
    ) -> anyhow::Result<usize> {
        let sql = format!(
            "SELECT COUNT(*) AS n FROM tasks WHERE created_at_us <= $1 AND {}",
            claimable("$2", "$3")
        );
        let row = // Built only from constant fragments: no input reaches the text.
        sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(before_us)
        .bind(lease.owner)
        .bind(lease.now_us)
        .fetch_one(&self.pool)
        .await
        .context("counting unfinished tasks")?;
        Ok(usize::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0))
    }

    /// A page of the tasks accepted by `before_us`, not finished and claimable by
    /// `lease.owner`, oldest first, after the task `after` (its creation time and id): resume
    /// reads them a batch at a time.
    pub async fn unfinished_page(
        &self,
        before_us: i64,
        after: Option<(i64, String)>,
        limit: i64,
        lease: &Lease<'_>,
    ) -> anyhow::Result<Vec<(String, String, i64)>> {
        let (after_us, after_id) = after.unwrap_or((i64::MIN, String::new()));
        let sql = format!(
            "SELECT id, contract, created_at_us FROM tasks \
             WHERE created_at_us <= $1 AND {} \
               AND (created_at_us > $2 OR (created_at_us = $2 AND id > $3)) \
             ORDER BY created_at_us, id LIMIT $4",
            claimable("$5", "$6")
        );
        let rows = // Built only from constant fragments: no input reaches the text.
        sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(before_us)
        .bind(after_us)
        .bind(after_id)
        .bind(limit)
        .bind(lease.owner)
        .bind(lease.now_us)
        .fetch_all(&self.pool)
        .await
        .context("listing unfinished tasks")?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("id")?,
                    row.try_get("contract")?,
                    row.try_get("created_at_us")?,
                ))
            })
            .collect()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn task_from_row(row: &AnyRow) -> anyhow::Result<TaskView> {
    let status_text: String = row.try_get("status")?;
    let status = Status::parse(&status_text)
        .with_context(|| format!("unknown task status {status_text:?} in the database"))?;
    let created_at_us: i64 = row.try_get("created_at_us")?;
    let started_at_us: Option<i64> = row.try_get("started_at_us")?;
    let finished_at_us: Option<i64> = row.try_get("finished_at_us")?;
    let ms = |from: i64, to: i64| (to - from) as f64 / 1000.0;
    Ok(TaskView {
        task_id: row.try_get("id")?,
        status,
        user_id: row.try_get("user_id")?,
        goal: row.try_get("goal")?,
        priority: row.try_get("priority")?,
        kind: row.try_get("kind")?,
        result: row
            .try_get::<Option<String>, _>("result")?
            .map(|text| parse_json(&text)),
        error: row.try_get("error")?,
        created_at_us,
        started_at_us,
        finished_at_us,
        gated: row.try_get::<i64, _>("gated")? != 0,
        timings: Timings {
            queued_ms: started_at_us.map(|started| ms(created_at_us, started)),
            run_ms: started_at_us.zip(finished_at_us).map(|(s, f)| ms(s, f)),
            total_ms: finished_at_us.map(|finished| ms(created_at_us, finished)),
        },
        steps: Vec::new(),
    })
}

fn parse_json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_owned()))
}

/// An SQLite URL that creates its file when missing (`mode=rwc`), unless it names a mode of
/// its own or is in memory: without it, a new file fails with "unable to open database file".
pub fn sqlite_create_if_missing(url: &str) -> String {
    if !url.starts_with("sqlite:") || url.contains("mode=") || url.contains(":memory:") {
        return url.to_owned();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}mode=rwc")
}

/// Text with its secrets masked (a URL's password, `password=`, bearer tokens), for messages.
pub use secrets::redact;
