-- 005: screening. Every decision is a new row, saved at once (a crash loses nothing); a record's
-- current decision at a stage is its latest row there, and a row with decision NULL withdraws it
-- (what undo writes when the record had no decision before). Rows made by one action share
-- `action`; undo appends rows that put back the state before an action (`undoes` names it), so
-- the history of changes is never rewritten.
CREATE TABLE screening_decisions (
    id         INTEGER PRIMARY KEY,
    paper_id   INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    stage      TEXT NOT NULL CHECK (stage IN ('title_abstract', 'full_text')),
    decision   TEXT CHECK (decision IN ('include', 'exclude', 'maybe')),
    reason     TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    curator    TEXT,
    decided_at TEXT NOT NULL,
    action     INTEGER NOT NULL,
    undoes     INTEGER
);
CREATE INDEX screening_decisions_stage_paper ON screening_decisions(stage, paper_id, id);
CREATE INDEX screening_decisions_action ON screening_decisions(action);
CREATE TRIGGER screening_decisions_no_update BEFORE UPDATE ON screening_decisions
BEGIN SELECT RAISE(ABORT, 'screening decisions are append-only'); END;

-- the exclusion reasons offered at each stage, in the order the number keys pick them
CREATE TABLE screening_reasons (
    id       INTEGER PRIMARY KEY,
    stage    TEXT NOT NULL CHECK (stage IN ('title_abstract', 'full_text')),
    position INTEGER NOT NULL,
    label    TEXT NOT NULL,
    UNIQUE (stage, label)
);
INSERT INTO screening_reasons (stage, position, label) VALUES
    ('title_abstract', 1, 'Not CAR-T cell therapy'),
    ('title_abstract', 2, 'No toxicity or its management'),
    ('title_abstract', 3, 'Preclinical (animal or in vitro)'),
    ('title_abstract', 4, 'Review, editorial or comment'),
    ('title_abstract', 5, 'Not in humans / wrong population'),
    ('title_abstract', 6, 'Other'),
    ('full_text', 1, 'Full text not available'),
    ('full_text', 2, 'No extractable toxicity data'),
    ('full_text', 3, 'Overlapping cohort (duplicate data)'),
    ('full_text', 4, 'Wrong study design'),
    ('full_text', 5, 'Other');

-- when and why screening stopped (the stopping rule met, or the curator's own call)
CREATE TABLE screening_stops (
    id         INTEGER PRIMARY KEY,
    stage      TEXT NOT NULL CHECK (stage IN ('title_abstract', 'full_text')),
    stopped_at TEXT NOT NULL,
    curator    TEXT,
    rule       TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL DEFAULT '',
    screened   INTEGER NOT NULL,
    included   INTEGER NOT NULL
);

-- what each import found, for the PRISMA counts: records identified per file and the duplicates
-- merged into papers already in the library
CREATE TABLE import_log (
    id          INTEGER PRIMARY KEY,
    file        TEXT NOT NULL,
    format      TEXT,
    identified  INTEGER NOT NULL,   -- records read from the file (added + merged + skipped + failed)
    added       INTEGER NOT NULL,
    merged      INTEGER NOT NULL,   -- duplicates of a paper already in the library
    skipped     INTEGER NOT NULL,   -- no title, PMID or DOI
    failed      INTEGER NOT NULL,   -- records that could not be read
    imported_at TEXT NOT NULL
);
