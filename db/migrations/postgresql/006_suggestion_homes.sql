-- 006 (PostgreSQL): every suggested value has a home, and a link says who made it
-- (see db/migrations/006_suggestion_homes.sql). A new library has no links to label yet.
ALTER TABLE exposures ADD COLUMN n_patients bigint;
ALTER TABLE exposures ADD COLUMN percent double precision;
ALTER TABLE time_to_event ADD COLUMN what text;
ALTER TABLE time_to_event ADD COLUMN n_patients bigint;
ALTER TABLE time_to_event ADD COLUMN denominator bigint;
ALTER TABLE provenance ADD COLUMN made_by text CHECK (made_by IN ('extractor', 'curator'));
ALTER TABLE provenance ADD COLUMN accepted_by text;
