-- 009 (PostgreSQL): PDF full texts kept inside the library, and provenance on the page; see
-- db/migrations/009_fulltext.sql. Engine-specific parts: BLOB is bytea, REAL is double precision.
CREATE TABLE fulltexts (
    paper_id   bigint PRIMARY KEY REFERENCES papers(id) ON DELETE CASCADE,
    filename   text NOT NULL,
    sha256     text NOT NULL,
    pdf        bytea NOT NULL,
    text       text NOT NULL DEFAULT '',
    page_count bigint NOT NULL,
    has_text   bigint NOT NULL DEFAULT 1,
    title      text,
    doi        text,
    sections   text NOT NULL DEFAULT '[]',
    tables     text NOT NULL DEFAULT '[]',
    added_at   text NOT NULL
);
CREATE TABLE fulltext_pages (
    paper_id     bigint NOT NULL REFERENCES fulltexts(paper_id) ON DELETE CASCADE,
    page         bigint NOT NULL,
    width        double precision NOT NULL,
    height       double precision NOT NULL,
    start_offset bigint NOT NULL,
    length       bigint NOT NULL,
    boxes        bytea NOT NULL,
    PRIMARY KEY (paper_id, page)
);
ALTER TABLE provenance ADD COLUMN page bigint;
