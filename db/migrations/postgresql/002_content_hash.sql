-- 002 (PostgreSQL): a hash of each paper's imported content (see db/migrations/002_content_hash.sql).
ALTER TABLE papers ADD COLUMN content_hash text;
