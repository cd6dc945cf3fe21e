-- 003 (PostgreSQL): the search index. A tsvector column holding the words of what SQLite's FTS5 index
-- holds (title, abstract, authors, keywords, MeSH descriptors), with a GIN index on it. The store
-- writes it with every paper (insert, COPY, update): the words are cut by the same rule as a search
-- (curator.store.dialect.search_words: letters, digits and Greek letters; lower case; diacritics
-- removed, as FTS5's remove_diacritics), so what a curator types finds exactly what FTS5 would. No
-- positions, as FTS5's detail=none: nothing searches phrases or ranks. (PostgreSQL's own to_tsvector
-- made the server spend ~90 % of an import's time cutting words: ~1,200 papers/s against ~14,000
-- without the column.) Papers already here get the server's nearest equivalent once.
ALTER TABLE papers ADD COLUMN search tsvector;
UPDATE papers SET search = strip(to_tsvector('simple'::regconfig, title || ' ' || abstract || ' '
    || fts_list(authors) || ' ' || fts_list(keywords) || ' ' || fts_mesh(mesh_terms)));
CREATE INDEX papers_search ON papers USING gin (search);
