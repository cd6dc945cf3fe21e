-- 008: one extraction per curator (issue 19). A paper holds each curator's own extraction (the whole
-- record as JSON, as domain.outcomes.record_to_dict writes it) beside the one consensus record (the
-- `records` table and its row tables, as before). An extraction is a 'draft' until its curator submits
-- it; blind mode hides the others' extractions from a curator until their own is submitted.
CREATE TABLE extractions (
    paper_id       INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    curator        TEXT NOT NULL,
    payload        TEXT NOT NULL,               -- JSON of the Record
    status         TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
    revision       INTEGER NOT NULL DEFAULT 1,
    updated_at     TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    PRIMARY KEY (paper_id, curator)
);
CREATE INDEX extractions_curator ON extractions(curator);

-- settings of the library itself (not of one window): 'blind' = 'on' | 'off' (absent: on when the
-- library has more than one curator)
CREATE TABLE library_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- a consensus value's two sources: the extractions it was settled from ('ana+ben') and how
-- ('agreed', the curator whose value was taken, or 'edited')
ALTER TABLE provenance ADD COLUMN extracted_by TEXT;
ALTER TABLE provenance ADD COLUMN settled TEXT;

-- A record's rows are read and replaced by paper (load_record, save_record): without these indexes each
-- of those statements scanned its whole table (comparing two 1,000-paper libraries spent 3 s there).
CREATE INDEX arms_paper ON arms(paper_id, position);
CREATE INDEX exposures_paper ON exposures(paper_id, position);
CREATE INDEX toxicities_paper ON toxicities(paper_id, position);
CREATE INDEX measurements_paper ON measurements(paper_id, position);
CREATE INDEX comparisons_paper ON comparisons(paper_id, position);
CREATE INDEX time_to_event_paper ON time_to_event(paper_id, position);
CREATE INDEX timeline_events_paper ON timeline_events(paper_id, position);

-- Every existing record becomes its curator's extraction ('unknown' when it names none) and stays the
-- consensus: a verified, rejected or excluded record was submitted, a draft is still a draft.
INSERT INTO extractions (paper_id, curator, payload, status, revision, updated_at, schema_version)
SELECT r.paper_id, coalesce(nullif(trim(r.curator), ''), 'unknown'),
       json_object(
         'paper_id', r.paper_id, 'status', r.status, 'revision', r.revision, 'curator', r.curator,
         'verified_at', r.verified_at, 'updated_at', r.updated_at, 'notes', r.notes,
         'contradicts', CASE WHEN r.contradicts THEN json('true') ELSE json('false') END,
         'contradiction_comment', r.contradiction_comment, 'exclusion_reason', r.exclusion_reason,
         'study', json((SELECT json_object('uid', s.uid, 'row_status', s.row_status, 'design', s.design, 'n_enrolled', s.n_enrolled,
            'n_analysed', s.n_analysed, 'age_group', s.age_group, 'disease', s.disease,
            'car_t_product', s.car_t_product,
            'car_t_product_as_reported', s.car_t_product_as_reported, 'target', s.target,
            'grading_systems', s.grading_systems, 'follow_up', s.follow_up,
            'sources', json((SELECT json_group_object(pv.field, json_object('start', pv.start, 'end', pv."end", 'quote', pv.quote, 'text_field', pv.text_field, 'made_by', pv.made_by, 'accepted_by', pv.accepted_by)) FROM provenance pv WHERE pv.row_uid = s.uid)))
            FROM studies s WHERE s.paper_id = r.paper_id)),
         'arms', json(coalesce((SELECT json_group_array(json(x)) FROM (SELECT json_object('uid', t.uid, 'row_status', t.row_status, 'label', t.label, 'kind', t.kind, 'n', t.n,
            'age', t.age, 'sex', t.sex, 'disease', t.disease, 'product', t.product,
            'sources', json((SELECT json_group_object(pv.field, json_object('start', pv.start, 'end', pv."end", 'quote', pv.quote, 'text_field', pv.text_field, 'made_by', pv.made_by, 'accepted_by', pv.accepted_by)) FROM provenance pv WHERE pv.row_uid = t.uid))) AS x
            FROM arms t WHERE t.paper_id = r.paper_id ORDER BY t.position)), '[]')),
         'exposures', json(coalesce((SELECT json_group_array(json(x)) FROM (SELECT json_object('uid', t.uid, 'row_status', t.row_status, 'agent', t.agent,
            'agent_as_reported', t.agent_as_reported, 'role', t.role, 'indication', t.indication,
            'dose', t.dose, 'dose_unit', t.dose_unit, 'route', t.route, 'n_doses', t.n_doses,
            'start_day', t.start_day, 'end_day', t.end_day, 'n_patients', t.n_patients,
            'percent', t.percent, 'arm', t.arm,
            'sources', json((SELECT json_group_object(pv.field, json_object('start', pv.start, 'end', pv."end", 'quote', pv.quote, 'text_field', pv.text_field, 'made_by', pv.made_by, 'accepted_by', pv.accepted_by)) FROM provenance pv WHERE pv.row_uid = t.uid))) AS x
            FROM exposures t WHERE t.paper_id = r.paper_id ORDER BY t.position)), '[]')),
         'toxicities', json(coalesce((SELECT json_group_array(json(x)) FROM (SELECT json_object('uid', t.uid, 'row_status', t.row_status, 'syndrome', t.syndrome,
            'grading_system', t.grading_system, 'grade', t.grade,
            'grade_as_reported', t.grade_as_reported, 'onset_day', t.onset_day,
            'resolution_day', t.resolution_day, 'n_patients', t.n_patients, 'percent', t.percent,
            'arm', t.arm,
            'sources', json((SELECT json_group_object(pv.field, json_object('start', pv.start, 'end', pv."end", 'quote', pv.quote, 'text_field', pv.text_field, 'made_by', pv.made_by, 'accepted_by', pv.accepted_by)) FROM provenance pv WHERE pv.row_uid = t.uid))) AS x
            FROM toxicities t WHERE t.paper_id = r.paper_id ORDER BY t.position)), '[]')),
         'measurements', json(coalesce((SELECT json_group_array(json(x)) FROM (SELECT json_object('uid', t.uid, 'row_status', t.row_status, 'analyte', t.analyte, 'specimen', t.specimen,
            'day', t.day, 'timepoint', t.timepoint, 'statistic', t.statistic, 'operator', t.operator,
            'value', t.value, 'unit', t.unit, 'dispersion', t.dispersion,
            'dispersion_low', t.dispersion_low, 'dispersion_high', t.dispersion_high, 'n', t.n,
            'arm', t.arm,
            'sources', json((SELECT json_group_object(pv.field, json_object('start', pv.start, 'end', pv."end", 'quote', pv.quote, 'text_field', pv.text_field, 'made_by', pv.made_by, 'accepted_by', pv.accepted_by)) FROM provenance pv WHERE pv.row_uid = t.uid))) AS x
            FROM measurements t WHERE t.paper_id = r.paper_id ORDER BY t.position)), '[]')),
         'comparisons', json(coalesce((SELECT json_group_array(json(x)) FROM (SELECT json_object('uid', t.uid, 'row_status', t.row_status, 'analyte', t.analyte, 'value_a', t.value_a,
            'value_b', t.value_b, 'unit', t.unit, 'p_text', t.p_text, 'label_a', t.label_a,
            'label_b', t.label_b, 'statistic', t.statistic, 'test', t.test, 'direction', t.direction,
            'n', t.n,
            'sources', json((SELECT json_group_object(pv.field, json_object('start', pv.start, 'end', pv."end", 'quote', pv.quote, 'text_field', pv.text_field, 'made_by', pv.made_by, 'accepted_by', pv.accepted_by)) FROM provenance pv WHERE pv.row_uid = t.uid))) AS x
            FROM comparisons t WHERE t.paper_id = r.paper_id ORDER BY t.position)), '[]')),
         'time_to_event', json(coalesce((SELECT json_group_array(json(x)) FROM (SELECT json_object('uid', t.uid, 'row_status', t.row_status, 'endpoint', t.endpoint, 'what', t.what,
            'horizon', t.horizon, 'rate', t.rate, 'n_patients', t.n_patients,
            'denominator', t.denominator, 'ci_level', t.ci_level, 'ci_low', t.ci_low,
            'ci_high', t.ci_high, 'median', t.median, 'median_text', t.median_text, 'hr', t.hr,
            'arm', t.arm,
            'sources', json((SELECT json_group_object(pv.field, json_object('start', pv.start, 'end', pv."end", 'quote', pv.quote, 'text_field', pv.text_field, 'made_by', pv.made_by, 'accepted_by', pv.accepted_by)) FROM provenance pv WHERE pv.row_uid = t.uid))) AS x
            FROM time_to_event t WHERE t.paper_id = r.paper_id ORDER BY t.position)), '[]')),
         'events', json(coalesce((SELECT json_group_array(json(x)) FROM (SELECT json_object('uid', t.uid, 'row_status', t.row_status, 'day', t.day, 'event', t.event, 'arm', t.arm,
            'sources', json((SELECT json_group_object(pv.field, json_object('start', pv.start, 'end', pv."end", 'quote', pv.quote, 'text_field', pv.text_field, 'made_by', pv.made_by, 'accepted_by', pv.accepted_by)) FROM provenance pv WHERE pv.row_uid = t.uid))) AS x
            FROM timeline_events t WHERE t.paper_id = r.paper_id ORDER BY t.position)), '[]'))
       ),
       CASE r.status WHEN 'draft' THEN 'draft' ELSE 'submitted' END, r.revision, r.updated_at, 8
FROM records r;
