-- 002: a hash of each paper's imported content, so re-importing an unchanged record is a no-op
-- that needs no read-merge-write (re-importing a 100,000-record file stays fast).
ALTER TABLE papers ADD COLUMN content_hash TEXT;
