-- octoperf's history of runs. Portable SQL: the same file migrates SQLite and PostgreSQL.
-- Table names carry a prefix, and the history records its migrations in a table of its own
-- (_octoperf_history_migrations), so that it can share a database with an Orchestrator's
-- tasks without either's tables or migrations being mistaken for the other's.
CREATE TABLE IF NOT EXISTS octoperf_runs (
    run_id TEXT PRIMARY KEY,
    -- RFC 3339, UTC, as the report has it; started_at_s orders and filters.
    started_at TEXT NOT NULL,
    started_at_s BIGINT NOT NULL,
    git_commit TEXT,
    git_branch TEXT,
    git_dirty BIGINT NOT NULL,
    profile TEXT NOT NULL,
    quick BIGINT NOT NULL,
    -- The scenarios run, comma-separated and framed by commas (",reflex,arms,") so that one
    -- LIKE finds a scenario on both databases.
    scenarios TEXT NOT NULL,
    verdict TEXT NOT NULL,
    machine_fingerprint TEXT NOT NULL,
    hostname TEXT NOT NULL,
    cpu_model TEXT NOT NULL,
    cpus BIGINT NOT NULL,
    memory_bytes BIGINT NOT NULL,
    kernel TEXT NOT NULL,
    -- The run's folder when it was recorded (its interval logs and profiles), if known.
    folder TEXT,
    -- The whole report.json: every row, every histogram of record, the timelines.
    report TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS idx_octoperf_runs_started ON octoperf_runs (started_at_s);

CREATE TABLE IF NOT EXISTS octoperf_rows (
    run_id TEXT NOT NULL REFERENCES octoperf_runs (run_id),
    -- table.component.metric, as `latency.reflex.p99`.
    row_key TEXT NOT NULL,
    scenario TEXT,
    measured DOUBLE PRECISION,
    limit_value DOUBLE PRECISION NOT NULL,
    unit TEXT NOT NULL,
    verdict TEXT NOT NULL,
    PRIMARY KEY (run_id, row_key)
);
