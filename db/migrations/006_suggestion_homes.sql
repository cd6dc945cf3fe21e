-- 006: every suggested value has a home, and a link says who made it.
-- Treatments: how many patients received the agent (n and percent of the cohort).
ALTER TABLE exposures ADD COLUMN n_patients INTEGER;
ALTER TABLE exposures ADD COLUMN percent REAL;
-- Survival & rates: response and other rates of patients are first-class (what the rate is of, n/N).
ALTER TABLE time_to_event ADD COLUMN what TEXT;
ALTER TABLE time_to_event ADD COLUMN n_patients INTEGER;
ALTER TABLE time_to_event ADD COLUMN denominator INTEGER;
-- Who made each link between a value and its words: 'extractor' (a suggestion) or 'curator' (by hand),
-- and who accepted a suggested one. Links saved before this migration did not record it: NULL, except
-- those the extractor demonstrably made (saved by the batch suggester, or on a row still suggested).
ALTER TABLE provenance ADD COLUMN made_by TEXT CHECK (made_by IN ('extractor', 'curator'));
ALTER TABLE provenance ADD COLUMN accepted_by TEXT;
UPDATE provenance SET made_by = 'extractor' WHERE entered_by = 'suggest'
    OR row_uid IN (SELECT uid FROM studies WHERE row_status = 'suggested'
                   UNION ALL SELECT uid FROM arms WHERE row_status = 'suggested'
                   UNION ALL SELECT uid FROM exposures WHERE row_status = 'suggested'
                   UNION ALL SELECT uid FROM toxicities WHERE row_status = 'suggested'
                   UNION ALL SELECT uid FROM measurements WHERE row_status = 'suggested'
                   UNION ALL SELECT uid FROM comparisons WHERE row_status = 'suggested'
                   UNION ALL SELECT uid FROM time_to_event WHERE row_status = 'suggested'
                   UNION ALL SELECT uid FROM timeline_events WHERE row_status = 'suggested');
