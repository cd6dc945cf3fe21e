-- 007 is reserved for the team presence / change feed (helper "team-ui", issue 18). This placeholder
-- only keeps the numbering contiguous on the "dual" branch: it does nothing, and is replaced by the
-- real 007 when the branches are merged (delete this file then).
SELECT 1;
