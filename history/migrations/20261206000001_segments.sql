-- Segments of a load split across generator hosts (`octoperf run --segment I/N --run-group ID`):
-- the rendezvous `octoperf merge --run-group ID` waits on. A segment joins its group as it
-- starts, beats while it runs, and is finished (with its run id) in the transaction that
-- records its report.
CREATE TABLE IF NOT EXISTS octoperf_segments (
    run_group TEXT NOT NULL,
    segment_index BIGINT NOT NULL,
    segment_count BIGINT NOT NULL,
    host TEXT NOT NULL,
    -- joined, finished or interrupted.
    state TEXT NOT NULL,
    run_id TEXT,
    -- Milliseconds since the Unix epoch, by the segment's clock.
    joined_at_ms BIGINT NOT NULL,
    beat_at_ms BIGINT NOT NULL,
    PRIMARY KEY (run_group, segment_index)
);

-- Files a run carries into the history: a segment's interval logs, which the merge on
-- another host cannot read from the segment's disk. Paths are relative to the run's folder.
CREATE TABLE IF NOT EXISTS octoperf_run_files (
    run_id TEXT NOT NULL REFERENCES octoperf_runs (run_id),
    path TEXT NOT NULL,
    content TEXT NOT NULL,
    PRIMARY KEY (run_id, path)
);
