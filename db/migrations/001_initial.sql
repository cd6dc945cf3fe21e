-- 001: papers, full-text search, curated records and their rows, provenance, history, autosave.
-- Days are stored as the paper states them (CAR-T infusion = day 0).

CREATE TABLE papers (
    id                INTEGER PRIMARY KEY,
    pmid              TEXT,
    pmcid             TEXT,
    doi               TEXT,            -- normalised: lower case, no URL prefix
    title             TEXT NOT NULL DEFAULT '',
    title_key         TEXT NOT NULL DEFAULT '',  -- normalised title for duplicate detection
    authors           TEXT NOT NULL DEFAULT '[]', -- JSON list
    first_author      TEXT,
    journal           TEXT,
    journal_abbrev    TEXT,
    pub_date          TEXT,
    year              INTEGER,
    volume            TEXT,
    issue             TEXT,
    pages             TEXT,
    abstract          TEXT NOT NULL DEFAULT '',   -- the text provenance offsets refer to
    abstract_sections TEXT NOT NULL DEFAULT '[]',
    body_sections     TEXT NOT NULL DEFAULT '[]',
    keywords          TEXT NOT NULL DEFAULT '[]',
    mesh_terms        TEXT NOT NULL DEFAULT '[]',
    publication_types TEXT NOT NULL DEFAULT '[]',
    substances        TEXT NOT NULL DEFAULT '[]',
    grants            TEXT NOT NULL DEFAULT '[]',
    entities          TEXT NOT NULL DEFAULT '[]',
    tldr              TEXT,
    contribution      TEXT,
    key_findings      TEXT NOT NULL DEFAULT '[]',
    source_url        TEXT,
    language          TEXT,
    citation          TEXT,
    extra             TEXT NOT NULL DEFAULT '{}',
    source_file       TEXT,
    source_format     TEXT,
    status            TEXT NOT NULL DEFAULT 'unreviewed'
                      CHECK (status IN ('unreviewed', 'draft', 'verified', 'rejected', 'excluded')),
    added_at          TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE UNIQUE INDEX papers_pmid ON papers(pmid) WHERE pmid IS NOT NULL;
CREATE INDEX papers_doi ON papers(doi) WHERE doi IS NOT NULL;
CREATE INDEX papers_title_key ON papers(title_key);
CREATE INDEX papers_year ON papers(year);
CREATE INDEX papers_status ON papers(status);
CREATE INDEX papers_journal ON papers(journal);
CREATE INDEX papers_title ON papers(title COLLATE NOCASE);

-- rowid = papers.id; kept in step by the store on every paper write
CREATE VIRTUAL TABLE papers_fts USING fts5(
    title, abstract, authors, keywords, mesh, tokenize='unicode61 remove_diacritics 2'
);

-- one curated record per paper
CREATE TABLE records (
    paper_id              INTEGER PRIMARY KEY REFERENCES papers(id) ON DELETE CASCADE,
    status                TEXT NOT NULL DEFAULT 'draft'
                          CHECK (status IN ('draft', 'verified', 'rejected', 'excluded')),
    revision              INTEGER NOT NULL DEFAULT 0,
    curator               TEXT,
    verified_at           TEXT,
    updated_at            TEXT NOT NULL,
    notes                 TEXT NOT NULL DEFAULT '',
    contradicts           INTEGER NOT NULL DEFAULT 0,
    contradiction_comment TEXT NOT NULL DEFAULT '',
    exclusion_reason      TEXT NOT NULL DEFAULT ''
);

CREATE TABLE studies (
    id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE,
    paper_id INTEGER NOT NULL UNIQUE REFERENCES records(paper_id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0, row_status TEXT NOT NULL DEFAULT 'accepted',
    design TEXT, n_enrolled INTEGER, n_analysed INTEGER, age_group TEXT, disease TEXT,
    car_t_product TEXT, car_t_product_as_reported TEXT, target TEXT, grading_systems TEXT, follow_up TEXT
);

CREATE TABLE arms (
    id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE,
    paper_id INTEGER NOT NULL REFERENCES records(paper_id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0, row_status TEXT NOT NULL DEFAULT 'accepted',
    label TEXT, kind TEXT, n INTEGER, age TEXT, sex TEXT, disease TEXT, product TEXT
);

CREATE TABLE exposures (
    id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE,
    paper_id INTEGER NOT NULL REFERENCES records(paper_id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0, row_status TEXT NOT NULL DEFAULT 'accepted',
    agent TEXT, agent_as_reported TEXT, role TEXT, indication TEXT, dose REAL, dose_unit TEXT, route TEXT,
    n_doses INTEGER, start_day INTEGER, end_day INTEGER, arm TEXT
);

CREATE TABLE toxicities (
    id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE,
    paper_id INTEGER NOT NULL REFERENCES records(paper_id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0, row_status TEXT NOT NULL DEFAULT 'accepted',
    syndrome TEXT, grading_system TEXT, grade INTEGER, grade_as_reported TEXT, onset_day INTEGER,
    resolution_day INTEGER, n_patients INTEGER, percent REAL, arm TEXT
);

CREATE TABLE measurements (
    id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE,
    paper_id INTEGER NOT NULL REFERENCES records(paper_id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0, row_status TEXT NOT NULL DEFAULT 'accepted',
    analyte TEXT, specimen TEXT, day INTEGER, timepoint TEXT, statistic TEXT, operator TEXT, value REAL,
    unit TEXT, dispersion TEXT, dispersion_low REAL, dispersion_high REAL, n INTEGER, arm TEXT
);
CREATE INDEX measurements_analyte ON measurements(analyte);

CREATE TABLE comparisons (
    id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE,
    paper_id INTEGER NOT NULL REFERENCES records(paper_id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0, row_status TEXT NOT NULL DEFAULT 'accepted',
    analyte TEXT, value_a REAL, value_b REAL, unit TEXT, p_text TEXT, label_a TEXT, label_b TEXT,
    statistic TEXT, test TEXT, direction TEXT, n INTEGER,
    p_operator TEXT, p_value REAL   -- derived from p_text on save
);
CREATE INDEX comparisons_analyte ON comparisons(analyte);

CREATE TABLE time_to_event (
    id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE,
    paper_id INTEGER NOT NULL REFERENCES records(paper_id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0, row_status TEXT NOT NULL DEFAULT 'accepted',
    endpoint TEXT, horizon TEXT, rate REAL, ci_level REAL, ci_low REAL, ci_high REAL, median REAL,
    median_text TEXT, hr REAL, arm TEXT
);

CREATE TABLE timeline_events (
    id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE,
    paper_id INTEGER NOT NULL REFERENCES records(paper_id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0, row_status TEXT NOT NULL DEFAULT 'accepted',
    day INTEGER, event TEXT, arm TEXT
);

-- where each value came from: offsets into the paper's text plus the quoted words
CREATE TABLE provenance (
    id         INTEGER PRIMARY KEY,
    paper_id   INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    row_table  TEXT NOT NULL,
    row_uid    TEXT NOT NULL,
    field      TEXT NOT NULL,
    text_field TEXT NOT NULL DEFAULT 'abstract',
    start      INTEGER NOT NULL,
    end        INTEGER NOT NULL,
    quote      TEXT NOT NULL,
    entered_by TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (row_uid, field)
);
CREATE INDEX provenance_paper ON provenance(paper_id);

-- append-only history of every change
CREATE TABLE history (
    id        INTEGER PRIMARY KEY,
    paper_id  INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    at        TEXT NOT NULL,
    who       TEXT,
    revision  INTEGER,
    row_table TEXT,
    row_uid   TEXT,
    field     TEXT,
    old       TEXT,
    new       TEXT
);
CREATE INDEX history_paper ON history(paper_id);
CREATE TRIGGER history_no_update BEFORE UPDATE ON history
BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;

-- the form as last typed, saved every few seconds so a crash loses nothing
CREATE TABLE autosave (
    paper_id INTEGER PRIMARY KEY REFERENCES papers(id) ON DELETE CASCADE,
    payload  TEXT NOT NULL,
    saved_at TEXT NOT NULL
);
