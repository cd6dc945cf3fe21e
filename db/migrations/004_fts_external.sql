-- 004: the search index keeps no second copy of the text it indexes. When FTS5 needs a paper's
-- words again (to delete them, or for 'rebuild' and 'integrity-check') it reads them from the view
-- below, which joins the stored JSON lists as the store indexes them ("; "-separated). fts_list and
-- fts_mesh are SQL functions the store registers on every connection (FTS5 cannot read a view
-- built on json_each). No per-row column sizes either: nothing ranks by bm25. An import writes
-- about 4.5 kB less per paper. The store deletes a paper's index entry before changing its row.
-- FTS5 collects new words in memory and writes them out as a segment when they pass 'hashsize'
-- (1 MB by default), merging segments as they pile up; with 16 MB a 100,000-paper import writes
-- 16x fewer segments and indexing costs ~30 % fewer instructions (valgrind, 20,000 papers), for
-- at most 16 MB of words held in memory.
DROP TABLE papers_fts;
CREATE VIEW papers_fts_source AS
SELECT id, title, abstract, fts_list(authors) AS authors, fts_list(keywords) AS keywords,
       fts_mesh(mesh_terms) AS mesh
FROM papers;
CREATE VIRTUAL TABLE papers_fts USING fts5(
    title, abstract, authors, keywords, mesh, tokenize='unicode61 remove_diacritics 2', detail=none,
    content='papers_fts_source', content_rowid='id', columnsize=0
);
INSERT INTO papers_fts(papers_fts, rank) VALUES('hashsize', 16777216);
INSERT INTO papers_fts(papers_fts) VALUES('rebuild');
