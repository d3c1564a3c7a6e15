-- Leases: the instance that runs a task (owner) and until when its claim holds. The owner
-- renews it while it runs the task (a heartbeat); another instance takes over a task whose
-- lease expired, its owner having died. Portable SQL for SQLite and PostgreSQL.
ALTER TABLE tasks ADD COLUMN owner TEXT;
ALTER TABLE tasks ADD COLUMN lease_until_us BIGINT;
