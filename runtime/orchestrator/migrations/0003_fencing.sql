-- Fencing (issue 23): each claim of a task raises its epoch, and every write of the task's
-- rows names the owner and epoch it holds, so that an instance whose lease was taken over
-- (paused past it, then continued) changes nothing. `gated` records whether a Reflex Layer
-- gated the task's texts. Portable SQL for SQLite and PostgreSQL.
ALTER TABLE tasks ADD COLUMN epoch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN gated BIGINT NOT NULL DEFAULT 1;
