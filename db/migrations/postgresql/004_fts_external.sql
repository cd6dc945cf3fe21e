-- 004 (PostgreSQL): nothing to do. On SQLite this migration made the FTS5 index read its text from
-- the papers table instead of keeping a copy; the tsvector column of migration 003 never kept one.
SELECT 1;
