-- 007: several curators on one library. Written portably (pg ports it to db/migrations/postgresql/007):
-- times are UTC ISO-8601 text, compared as text; "stale" is decided by the caller's cut-off time.

-- who has which paper open: one row per window (session), refreshed by a heartbeat every few seconds
-- and gone with the window; a row whose heartbeat is older than about 60 s is a window that died.
CREATE TABLE editing (
    session   TEXT PRIMARY KEY,               -- one window's connection to the library
    curator   TEXT NOT NULL,
    paper_id  INTEGER,                        -- NULL: no paper open (no foreign key: presence never blocks a delete)
    dirty     INTEGER NOT NULL DEFAULT 0,     -- 1: the window holds unsaved edits of the paper
    heartbeat TEXT NOT NULL
);
CREATE INDEX editing_paper ON editing(paper_id);

-- every write others may want to see (a save, a verification, a status change, an import), appended
-- in the same transaction as the write itself; `id` is the cursor a window follows the feed with.
CREATE TABLE change_log (
    id       INTEGER PRIMARY KEY,             -- serial (PostgreSQL: bigint identity)
    at       TEXT NOT NULL,
    who      TEXT,
    session  TEXT,                            -- the window that wrote it (its own changes it skips)
    paper_id INTEGER,                         -- NULL for an import (it adds and merges many papers)
    kind     TEXT NOT NULL CHECK (kind IN ('save', 'verify', 'import', 'status'))
);
CREATE INDEX change_log_paper ON change_log(paper_id, id);
