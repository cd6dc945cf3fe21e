-- 009: PDF full texts kept inside the library, and provenance on the page.
-- One decision: the PDF's bytes live in the library file (fulltexts.pdf), with the text extracted from it
-- (pages joined by a form feed; offsets of spans with text_field 'fulltext' index into it), one row a page
-- with its size and its characters' boxes (float32 l,b,r,t per character), its sections and tables (JSON).
-- Portable SQL: BLOB is BYTEA in PostgreSQL; no SQLite-only functions.
CREATE TABLE fulltexts (
    paper_id   INTEGER PRIMARY KEY REFERENCES papers(id) ON DELETE CASCADE,
    filename   TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    pdf        BLOB NOT NULL,
    text       TEXT NOT NULL DEFAULT '',
    page_count INTEGER NOT NULL,
    has_text   INTEGER NOT NULL DEFAULT 1,
    title      TEXT,
    doi        TEXT,
    sections   TEXT NOT NULL DEFAULT '[]',
    tables     TEXT NOT NULL DEFAULT '[]',
    added_at   TEXT NOT NULL
);
CREATE TABLE fulltext_pages (
    paper_id     INTEGER NOT NULL REFERENCES fulltexts(paper_id) ON DELETE CASCADE,
    page         INTEGER NOT NULL,
    width        REAL NOT NULL,
    height       REAL NOT NULL,
    start_offset INTEGER NOT NULL,
    length       INTEGER NOT NULL,
    boxes        BLOB NOT NULL,
    PRIMARY KEY (paper_id, page)
);
-- the 1-based page of a span into a full text (NULL for the abstract and other texts)
ALTER TABLE provenance ADD COLUMN page INTEGER;
