-- 008 (PostgreSQL): one extraction per curator (issue 19); see db/migrations/008_extractions.sql.
-- Engine-specific parts: jsonb builds each record's JSON (a draft's non-numbers kept in raw_values are
-- put back in their fields, as the store reads them), json_agg orders rows by position itself; the row
-- tables already have their paper_id indexes (001).
CREATE TABLE extractions (
    paper_id       bigint NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    curator        text NOT NULL,
    payload        text NOT NULL,
    status         text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
    revision       bigint NOT NULL DEFAULT 1,
    updated_at     text NOT NULL,
    schema_version bigint NOT NULL,
    PRIMARY KEY (paper_id, curator)
);
CREATE INDEX extractions_curator ON extractions(curator);

CREATE TABLE library_settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);

ALTER TABLE provenance ADD COLUMN extracted_by text;
ALTER TABLE provenance ADD COLUMN settled text;

INSERT INTO extractions (paper_id, curator, payload, status, revision, updated_at, schema_version)
SELECT r.paper_id, coalesce(nullif(trim(r.curator), ''), 'unknown'),
       CAST(jsonb_build_object(
         'paper_id', r.paper_id, 'status', r.status, 'revision', r.revision, 'curator', r.curator,
         'verified_at', r.verified_at, 'updated_at', r.updated_at, 'notes', r.notes,
         'contradicts', r.contradicts <> 0,
         'contradiction_comment', r.contradiction_comment, 'exclusion_reason', r.exclusion_reason,
         'study', (SELECT (jsonb_build_object('uid', s.uid, 'row_status', s.row_status, 'design', s.design,
            'n_enrolled', s.n_enrolled, 'n_analysed', s.n_analysed, 'age_group', s.age_group,
            'disease', s.disease, 'car_t_product', s.car_t_product,
            'car_t_product_as_reported', s.car_t_product_as_reported, 'target', s.target,
            'grading_systems', s.grading_systems, 'follow_up', s.follow_up,
            'sources', coalesce((SELECT jsonb_object_agg(pv.field, jsonb_build_object('start', pv.start, 'end', pv."end", 'quote', pv.quote, 'text_field', pv.text_field, 'made_by', pv.made_by, 'accepted_by', pv.accepted_by)) FROM provenance pv WHERE pv.row_uid = s.uid), '{}'::jsonb)) || coalesce(CAST(s.raw_values AS jsonb), '{}'::jsonb))
            FROM studies s WHERE s.paper_id = r.paper_id),
         'arms', coalesce((SELECT jsonb_agg((jsonb_build_object('uid', t.uid, 'row_status', t.row_status, 'label', t.label, 'kind', t.kind,
            'n', t.n, 'age', t.age, 'sex', t.sex, 'disease', t.disease, 'product', t.product,
            'sources', coalesce((SELECT jsonb_object_agg(pv.field, jsonb_build_object('start', pv.start, 'end', pv."end", 'quote', pv.quote, 'text_field', pv.text_field, 'made_by', pv.made_by, 'accepted_by', pv.accepted_by)) FROM provenance pv WHERE pv.row_uid = t.uid), '{}'::jsonb)) || coalesce(CAST(t.raw_values AS jsonb), '{}'::jsonb))
            ORDER BY t.position) FROM arms t WHERE t.paper_id = r.paper_id), '[]'::jsonb),
         'exposures', coalesce((SELECT jsonb_agg((jsonb_build_object('uid', t.uid, 'row_status', t.row_status, 'agent', t.agent,
            'agent_as_reported', t.agent_as_reported, 'role', t.role, 'indication', t.indication,
            'dose', t.dose, 'dose_unit', t.dose_unit, 'route', t.route, 'n_doses', t.n_doses,
            'start_day', t.start_day, 'end_day', t.end_day, 'n_patients', t.n_patients,
            'percent', t.percent, 'arm', t.arm,
            'sources', coalesce((SELECT jsonb_object_agg(pv.field, jsonb_build_object('start', pv.start, 'end', pv."end", 'quote', pv.quote, 'text_field', pv.text_field, 'made_by', pv.made_by, 'accepted_by', pv.accepted_by)) FROM provenance pv WHERE pv.row_uid = t.uid), '{}'::jsonb)) || coalesce(CAST(t.raw_values AS jsonb), '{}'::jsonb))
            ORDER BY t.position) FROM exposures t WHERE t.paper_id = r.paper_id), '[]'::jsonb),
         'toxicities', coalesce((SELECT jsonb_agg((jsonb_build_object('uid', t.uid, 'row_status', t.row_status, 'syndrome', t.syndrome,
            'grading_system', t.grading_system, 'grade', t.grade,
            'grade_as_reported', t.grade_as_reported, 'onset_day', t.onset_day,
            'resolution_day', t.resolution_day, 'n_patients', t.n_patients, 'percent', t.percent,
            'arm', t.arm,
            'sources', coalesce((SELECT jsonb_object_agg(pv.field, jsonb_build_object('start', pv.start, 'end', pv."end", 'quote', pv.quote, 'text_field', pv.text_field, 'made_by', pv.made_by, 'accepted_by', pv.accepted_by)) FROM provenance pv WHERE pv.row_uid = t.uid), '{}'::jsonb)) || coalesce(CAST(t.raw_values AS jsonb), '{}'::jsonb))
            ORDER BY t.position) FROM toxicities t WHERE t.paper_id = r.paper_id), '[]'::jsonb),
         'measurements', coalesce((SELECT jsonb_agg((jsonb_build_object('uid', t.uid, 'row_status', t.row_status, 'analyte', t.analyte,
            'specimen', t.specimen, 'day', t.day, 'timepoint', t.timepoint, 'statistic', t.statistic,
            'operator', t.operator, 'value', t.value, 'unit', t.unit, 'dispersion', t.dispersion,
            'dispersion_low', t.dispersion_low, 'dispersion_high', t.dispersion_high, 'n', t.n,
            'arm', t.arm,
            'sources', coalesce((SELECT jsonb_object_agg(pv.field, jsonb_build_object('start', pv.start, 'end', pv."end", 'quote', pv.quote, 'text_field', pv.text_field, 'made_by', pv.made_by, 'accepted_by', pv.accepted_by)) FROM provenance pv WHERE pv.row_uid = t.uid), '{}'::jsonb)) || coalesce(CAST(t.raw_values AS jsonb), '{}'::jsonb))
            ORDER BY t.position) FROM measurements t WHERE t.paper_id = r.paper_id), '[]'::jsonb),
         'comparisons', coalesce((SELECT jsonb_agg((jsonb_build_object('uid', t.uid, 'row_status', t.row_status, 'analyte', t.analyte,
            'value_a', t.value_a, 'value_b', t.value_b, 'unit', t.unit, 'p_text', t.p_text,
            'label_a', t.label_a, 'label_b', t.label_b, 'statistic', t.statistic, 'test', t.test,
            'direction', t.direction, 'n', t.n,
            'sources', coalesce((SELECT jsonb_object_agg(pv.field, jsonb_build_object('start', pv.start, 'end', pv."end", 'quote', pv.quote, 'text_field', pv.text_field, 'made_by', pv.made_by, 'accepted_by', pv.accepted_by)) FROM provenance pv WHERE pv.row_uid = t.uid), '{}'::jsonb)) || coalesce(CAST(t.raw_values AS jsonb), '{}'::jsonb))
            ORDER BY t.position) FROM comparisons t WHERE t.paper_id = r.paper_id), '[]'::jsonb),
         'time_to_event', coalesce((SELECT jsonb_agg((jsonb_build_object('uid', t.uid, 'row_status', t.row_status, 'endpoint', t.endpoint, 'what', t.what,
            'horizon', t.horizon, 'rate', t.rate, 'n_patients', t.n_patients,
            'denominator', t.denominator, 'ci_level', t.ci_level, 'ci_low', t.ci_low,
            'ci_high', t.ci_high, 'median', t.median, 'median_text', t.median_text, 'hr', t.hr,
            'arm', t.arm,
            'sources', coalesce((SELECT jsonb_object_agg(pv.field, jsonb_build_object('start', pv.start, 'end', pv."end", 'quote', pv.quote, 'text_field', pv.text_field, 'made_by', pv.made_by, 'accepted_by', pv.accepted_by)) FROM provenance pv WHERE pv.row_uid = t.uid), '{}'::jsonb)) || coalesce(CAST(t.raw_values AS jsonb), '{}'::jsonb))
            ORDER BY t.position) FROM time_to_event t WHERE t.paper_id = r.paper_id), '[]'::jsonb),
         'events', coalesce((SELECT jsonb_agg((jsonb_build_object('uid', t.uid, 'row_status', t.row_status, 'day', t.day, 'event', t.event,
            'arm', t.arm,
            'sources', coalesce((SELECT jsonb_object_agg(pv.field, jsonb_build_object('start', pv.start, 'end', pv."end", 'quote', pv.quote, 'text_field', pv.text_field, 'made_by', pv.made_by, 'accepted_by', pv.accepted_by)) FROM provenance pv WHERE pv.row_uid = t.uid), '{}'::jsonb)) || coalesce(CAST(t.raw_values AS jsonb), '{}'::jsonb))
            ORDER BY t.position) FROM timeline_events t WHERE t.paper_id = r.paper_id), '[]'::jsonb)
       ) AS text),
       CASE r.status WHEN 'draft' THEN 'draft' ELSE 'submitted' END, r.revision, r.updated_at, 8
FROM records r;
