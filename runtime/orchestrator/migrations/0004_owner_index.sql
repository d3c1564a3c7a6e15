-- The lease heartbeat (issue 26) updates the unfinished tasks one instance holds: an index on
-- their owner, kept only for unfinished rows, so that it reads a handful of entries rather
-- than every row version the status index still lists. Portable SQL for SQLite and PostgreSQL.
CREATE INDEX IF NOT EXISTS idx_tasks_owner_active ON tasks (owner) WHERE status IN ('pending', 'running');
