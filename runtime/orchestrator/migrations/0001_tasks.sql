-- Tasks and their plan steps. Portable SQL: the same file migrates SQLite and PostgreSQL.
-- Times are microseconds since the Unix epoch; JSON documents are stored as text.
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    goal TEXT NOT NULL,
    priority TEXT NOT NULL,
    kind TEXT NOT NULL,
    contract TEXT NOT NULL,
    status TEXT NOT NULL,
    result TEXT,
    error TEXT,
    created_at_us BIGINT NOT NULL,
    started_at_us BIGINT,
    finished_at_us BIGINT
);

CREATE INDEX IF NOT EXISTS idx_tasks_status_priority ON tasks (status, priority);
CREATE INDEX IF NOT EXISTS idx_tasks_user_created ON tasks (user_id, created_at_us DESC);
-- Only unfinished tasks are scanned at start-up, so a partial index keeps that scan small.
CREATE INDEX IF NOT EXISTS idx_tasks_active ON tasks (created_at_us) WHERE status IN ('pending', 'running');

CREATE TABLE IF NOT EXISTS task_steps (
    task_id TEXT NOT NULL REFERENCES tasks (id),
    step_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    arm TEXT NOT NULL,
    goal TEXT NOT NULL,
    depends_on TEXT NOT NULL,
    status TEXT NOT NULL,
    result TEXT,
    error TEXT,
    started_at_us BIGINT,
    finished_at_us BIGINT,
    PRIMARY KEY (task_id, step_id)
);
