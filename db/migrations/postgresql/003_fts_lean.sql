-- 003 (PostgreSQL): the search index. A generated tsvector column (kept in step by PostgreSQL on
-- every insert, COPY and update: the store writes nothing for it) over the same text SQLite's FTS5
-- index holds (title, abstract, authors, keywords, MeSH descriptors, joined as fts_list/fts_mesh
-- join them), and a GIN index on it. The 'simple' configuration: no stemming and no stop words,
-- as FTS5's unicode61 tokenizer (every word must appear; the last is searched as a prefix). No
-- positions (strip), as FTS5's detail=none: nothing searches phrases or ranks, and the row stays lean.
ALTER TABLE papers ADD COLUMN search tsvector GENERATED ALWAYS AS (
    strip(to_tsvector('simple'::regconfig, title || ' ' || abstract || ' ' || fts_list(authors) || ' '
                      || fts_list(keywords) || ' ' || fts_mesh(mesh_terms)))) STORED;
CREATE INDEX papers_search ON papers USING gin (search);
