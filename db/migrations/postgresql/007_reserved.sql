-- 007 (PostgreSQL) is reserved for the team presence / change feed (helper "team-ui", issue 18), as
-- db/migrations/007_reserved.sql is on SQLite: it does nothing and only keeps the numbering contiguous
-- (main already has postgresql/008). It is replaced by the real 007's PostgreSQL port.
SELECT 1;
