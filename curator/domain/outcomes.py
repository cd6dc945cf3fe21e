"""The structured-outcome record a curator builds for one paper (pure dataclasses).

Every row type declares its columns once, as `FieldSpec`s: the forms, the validation, the
store's column list and the export data dictionary are all generated from these specs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from dataclasses import fields as dc_fields
from typing import Any, ClassVar

# --- statuses ---------------------------------------------------------------------------------

ROW_SUGGESTED = "suggested"  # proposed by the extractor, not yet accepted
ROW_ACCEPTED = "accepted"  # entered or accepted by the curator

RECORD_DRAFT = "draft"
RECORD_VERIFIED = "verified"
RECORD_REJECTED = "rejected"
RECORD_EXCLUDED = "excluded"
RECORD_STATUSES = (RECORD_DRAFT, RECORD_VERIFIED, RECORD_REJECTED, RECORD_EXCLUDED)

PAPER_UNREVIEWED = "unreviewed"  # a paper with no record yet


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: str = "text"  # text | int | float | choice | vocab | bool
    choices: tuple[str, ...] = ()
    vocabulary: str | None = None  # products | drugs | analytes | syndromes | units
    unit: str | None = None
    description: str = ""
    width: int = 110  # preferred column width in the form (px)


def new_uid() -> str:
    return uuid.uuid4().hex


@dataclass
class Span:
    """Where a value came from: character offsets into the paper's text and the quoted words."""

    start: int
    end: int
    quote: str
    text_field: str = "abstract"
    made_by: str | None = "curator"  # MADE_BY: a suggestion's link is the extractor's, one made by hand the curator's
    accepted_by: str | None = None  # who accepted the extractor's link (set when a row that was suggested is saved accepted)
    # A consensus value's two sources (domain.agreement): the extractions it was settled from, "ana+ben",
    # and how: "agreed" (both gave it), a curator's name (the adjudicator took that one's value) or "edited".
    extracted_by: str | None = None
    settled: str | None = None
    page: int | None = None  # 1-based page of a span into a PDF's full text (text_field "fulltext")

    def to_dict(self) -> dict[str, Any]:
        d = {"start": self.start, "end": self.end, "quote": self.quote, "text_field": self.text_field,
             "made_by": self.made_by, "accepted_by": self.accepted_by}
        if self.extracted_by is not None or self.settled is not None:
            d["extracted_by"], d["settled"] = self.extracted_by, self.settled
        if self.page is not None:
            d["page"] = self.page
        return d


@dataclass
class Row:
    """Base of every table row: a stable uid, a status and per-field provenance."""

    TABLE: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""
    SPECS: ClassVar[tuple[FieldSpec, ...]] = ()

    uid: str = field(default_factory=new_uid)
    row_status: str = ROW_ACCEPTED
    sources: dict[str, Span] = field(default_factory=dict)  # field name -> Span

    @classmethod
    def value_fields(cls) -> list[str]:
        return [s.name for s in cls.SPECS]

    @classmethod
    def spec(cls, name: str) -> FieldSpec:
        for s in cls.SPECS:
            if s.name == name:
                return s
        raise KeyError(name)

    def values(self) -> dict[str, Any]:
        return {n: getattr(self, n) for n in self.value_fields()}

    def is_empty(self) -> bool:
        return all(v in (None, "") for v in self.values().values())

    def copy(self) -> Row:
        clone = type(self)(**{f.name: getattr(self, f.name) for f in dc_fields(self)})
        clone.sources = dict(self.sources)
        return clone


DESIGNS = ("randomized controlled trial", "phase 1", "phase 1/2", "phase 2", "phase 3", "prospective cohort",
           "retrospective cohort", "retrospective", "case series", "case report", "registry",
           "meta-analysis", "review", "other")
AGE_GROUPS = ("pediatric", "AYA", "adult", "mixed")
GRADING_SYSTEMS = ("ASTCT_2019", "LEE_2014", "PENN", "CTCAE_V5", "CTCAE_V4", "MSKCC", "CARTOX", "HINES_2023",
                   "HLH_2004", "HSCORE", "author_defined")
SYNDROMES = ("CRS", "ICANS", "IEC-HS", "HLH/MAS", "ICAHT", "other")
ROLES = ("CAR-T", "lymphodepletion", "toxicity treatment", "prophylaxis", "other")
STATISTICS = ("value", "mean", "median", "peak", "nadir", "geometric mean")
OPERATORS = ("=", "<", ">", "≤", "≥")
DISPERSIONS = ("SD", "SE", "IQR", "range", "CI")
ENDPOINTS = ("OS", "EFS", "PFS", "DOR", "NRM", "RFS", "CIR", "ORR", "CR", "sCR", "VGPR", "PR", "MRD-negative",
             "other")
MADE_BY = ("extractor", "curator")  # who linked a value to its words
SUGGESTER = "suggest"  # who the batch suggester saves as: it never accepts its own suggestions


@dataclass
class Study(Row):
    TABLE: ClassVar[str] = "studies"
    TITLE: ClassVar[str] = "Study"
    SPECS: ClassVar[tuple[FieldSpec, ...]] = (
        FieldSpec("design", "Design", "choice", DESIGNS, description="Study design as stated by the paper"),
        FieldSpec("n_enrolled", "N enrolled", "int", description="Patients enrolled / included"),
        FieldSpec("n_analysed", "N analysed", "int", description="Patients in the analysis"),
        FieldSpec("age_group", "Age group", "choice", AGE_GROUPS, description="pediatric, AYA, adult or mixed"),
        FieldSpec("disease", "Disease", description="Underlying malignancy, e.g. B-ALL, DLBCL"),
        FieldSpec("car_t_product", "CAR-T product", "vocab", vocabulary="products",
                  description="CAR-T product normalised through the vocabulary (generic name)"),
        FieldSpec("car_t_product_as_reported", "Product as written",
                  description="The product name exactly as the paper writes it"),
        FieldSpec("target", "Target", description="CAR target antigen (CD19, BCMA, CD22...)"),
        FieldSpec("grading_systems", "Grading systems", description="Grading systems used, ';'-separated"),
        FieldSpec("follow_up", "Follow-up", description="Median follow-up as written, e.g. '6 months'"),
    )
    design: str | None = None
    n_enrolled: int | None = None
    n_analysed: int | None = None
    age_group: str | None = None
    disease: str | None = None
    car_t_product: str | None = None
    car_t_product_as_reported: str | None = None
    target: str | None = None
    grading_systems: str | None = None
    follow_up: str | None = None


@dataclass
class Arm(Row):
    TABLE: ClassVar[str] = "arms"
    TITLE: ClassVar[str] = "Arms & patients"
    SPECS: ClassVar[tuple[FieldSpec, ...]] = (
        FieldSpec("label", "Label", description="Arm, cohort or patient label as in the paper"),
        FieldSpec("kind", "Kind", "choice", ("arm", "cohort", "patient"), width=80),
        FieldSpec("n", "n", "int", width=60, description="Patients in the arm (1 for a patient)"),
        FieldSpec("age", "Age", "text", width=70, description="Age or age range as written"),
        FieldSpec("sex", "Sex", "choice", ("F", "M", "mixed"), width=60),
        FieldSpec("disease", "Disease"),
        FieldSpec("product", "CAR-T product", "vocab", vocabulary="products"),
    )
    label: str | None = None
    kind: str | None = None
    n: int | None = None
    age: str | None = None
    sex: str | None = None
    disease: str | None = None
    product: str | None = None


@dataclass
class Exposure(Row):
    TABLE: ClassVar[str] = "exposures"
    TITLE: ClassVar[str] = "Treatments"
    SPECS: ClassVar[tuple[FieldSpec, ...]] = (
        FieldSpec("agent", "Agent", "vocab", vocabulary="drugs", description="Drug or product (normalised)"),
        FieldSpec("agent_as_reported", "As written", description="Agent name as the paper writes it"),
        FieldSpec("role", "Role", "choice", ROLES),
        FieldSpec("indication", "Indication", "choice", SYNDROMES, width=80),
        FieldSpec("dose", "Dose", "float", width=70),
        FieldSpec("dose_unit", "Dose unit", "vocab", vocabulary="units", width=90, description="mg/kg, mg, 10^6 cells/kg"),
        FieldSpec("route", "Route", "choice", ("IV", "SC", "oral", "IT", "other"), width=60),
        FieldSpec("n_doses", "Doses", "int", width=60, description="Number of doses"),
        FieldSpec("start_day", "Start day", "int", width=70, description="Day relative to CAR-T infusion (day 0)"),
        FieldSpec("end_day", "End day", "int", width=70, description="Day relative to CAR-T infusion (day 0)"),
        FieldSpec("n_patients", "Patients", "int", width=70, description="Patients who received it (cohort)"),
        FieldSpec("percent", "%", "float", unit="%", width=60, description="Percent of patients who received it"),
        FieldSpec("arm", "Arm/patient", width=90),
    )
    agent: str | None = None
    agent_as_reported: str | None = None
    role: str | None = None
    indication: str | None = None
    dose: float | None = None
    dose_unit: str | None = None
    route: str | None = None
    n_doses: int | None = None
    start_day: int | None = None
    end_day: int | None = None
    n_patients: int | None = None
    percent: float | None = None
    arm: str | None = None


@dataclass
class Toxicity(Row):
    TABLE: ClassVar[str] = "toxicities"
    TITLE: ClassVar[str] = "Toxicities"
    SPECS: ClassVar[tuple[FieldSpec, ...]] = (
        FieldSpec("syndrome", "Syndrome", "choice", SYNDROMES, width=80),
        FieldSpec("grading_system", "Grading system", "choice", GRADING_SYSTEMS),
        FieldSpec("grade", "Grade", "int", width=60, description="0-5, limited by the grading system"),
        FieldSpec("grade_as_reported", "Grade as written", description="e.g. 'grade ≥3'"),
        FieldSpec("onset_day", "Onset day", "int", width=70, description="Day relative to CAR-T infusion"),
        FieldSpec("resolution_day", "Resolution day", "int", width=90, description="Day relative to infusion"),
        FieldSpec("n_patients", "Patients", "int", width=70, description="Patients with this toxicity (cohort)"),
        FieldSpec("percent", "%", "float", unit="%", width=60, description="Percent of patients (cohort)"),
        FieldSpec("arm", "Arm/patient", width=90),
    )
    syndrome: str | None = None
    grading_system: str | None = None
    grade: int | None = None
    grade_as_reported: str | None = None
    onset_day: int | None = None
    resolution_day: int | None = None
    n_patients: int | None = None
    percent: float | None = None
    arm: str | None = None


@dataclass
class Measurement(Row):
    TABLE: ClassVar[str] = "measurements"
    TITLE: ClassVar[str] = "Measurements"
    SPECS: ClassVar[tuple[FieldSpec, ...]] = (
        FieldSpec("analyte", "Analyte", "vocab", vocabulary="analytes"),
        FieldSpec("specimen", "Specimen", "choice", ("serum", "plasma", "blood", "CSF", "bone marrow"), width=80),
        FieldSpec("day", "Day", "int", width=55, description="Day relative to CAR-T infusion"),
        FieldSpec("timepoint", "Timepoint", description="Named anchor, e.g. 'before emapalumab', 'peak'"),
        FieldSpec("statistic", "Statistic", "choice", STATISTICS, width=80),
        FieldSpec("operator", "Op", "choice", OPERATORS, width=45, description="'<' for below detection limit"),
        FieldSpec("value", "Value", "float", width=80),
        FieldSpec("unit", "Unit", "vocab", vocabulary="units", width=80, description="Unit as written"),
        FieldSpec("dispersion", "Dispersion", "choice", DISPERSIONS, width=80),
        FieldSpec("dispersion_low", "Low", "float", width=60),
        FieldSpec("dispersion_high", "High", "float", width=60),
        FieldSpec("n", "n", "int", width=45),
        FieldSpec("arm", "Group/patient", width=90),
    )
    analyte: str | None = None
    specimen: str | None = None
    day: int | None = None
    timepoint: str | None = None
    statistic: str | None = None
    operator: str | None = None
    value: float | None = None
    unit: str | None = None
    dispersion: str | None = None
    dispersion_low: float | None = None
    dispersion_high: float | None = None
    n: int | None = None
    arm: str | None = None


@dataclass
class Comparison(Row):
    TABLE: ClassVar[str] = "comparisons"
    TITLE: ClassVar[str] = "Comparisons"
    SPECS: ClassVar[tuple[FieldSpec, ...]] = (
        FieldSpec("analyte", "Analyte", "vocab", vocabulary="analytes", width=120),
        FieldSpec("value_a", "Before / A", "float", width=85, description="Value before treatment, or group A"),
        FieldSpec("value_b", "After / B", "float", width=85, description="Value after treatment, or group B"),
        FieldSpec("unit", "Unit", "vocab", vocabulary="units", width=75, description="Unit as written"),
        FieldSpec("p_text", "P as written", width=95, description="P-value exactly as written, e.g. 'P < 0.001'"),
        FieldSpec("label_a", "A is", width=90, description="What A is, e.g. 'before emapalumab'"),
        FieldSpec("label_b", "B is", width=90, description="What B is, e.g. 'after emapalumab'"),
        FieldSpec("statistic", "Statistic", "choice", STATISTICS, width=80),
        FieldSpec("test", "Test", width=80, description="Statistical test, e.g. 'paired t-test'"),
        FieldSpec("direction", "Stated direction", "choice", ("increased", "decreased", "unchanged"), width=100,
                  description="Direction the paper states in words"),
        FieldSpec("n", "n", "int", width=45),
    )
    analyte: str | None = None
    value_a: float | None = None
    value_b: float | None = None
    unit: str | None = None
    p_text: str | None = None
    label_a: str | None = None
    label_b: str | None = None
    statistic: str | None = None
    test: str | None = None
    direction: str | None = None
    n: int | None = None


@dataclass
class TimeToEvent(Row):
    TABLE: ClassVar[str] = "time_to_event"
    TITLE: ClassVar[str] = "Survival"
    SPECS: ClassVar[tuple[FieldSpec, ...]] = (
        FieldSpec("endpoint", "Endpoint", "choice", ENDPOINTS, width=80,
                  description="Survival endpoint or response (ORR, CR, VGPR...); 'other' with What for any other rate"),
        FieldSpec("what", "What", width=140,
                  description="What the rate is of, as written (e.g. 'MRD-negative remission', 'ICU admission')"),
        FieldSpec("horizon", "Horizon", width=80, description="e.g. '6 months'"),
        FieldSpec("rate", "Rate %", "float", unit="%", width=70, description="Percent of patients"),
        FieldSpec("n_patients", "Patients", "int", width=70, description="Patients with the outcome (the n of n/N)"),
        FieldSpec("denominator", "Of N", "int", width=60, description="Patients assessed (the N of n/N)"),
        FieldSpec("ci_level", "CI level", "float", unit="%", width=60),
        FieldSpec("ci_low", "CI low", "float", width=65),
        FieldSpec("ci_high", "CI high", "float", width=65),
        FieldSpec("median", "Median", "float", width=70, description="Median time (months) if reached"),
        FieldSpec("median_text", "Median as written", width=110, description="e.g. 'not reached'"),
        FieldSpec("hr", "HR", "float", width=55, description="Hazard ratio"),
        FieldSpec("arm", "Arm", width=80),
    )
    endpoint: str | None = None
    what: str | None = None
    horizon: str | None = None
    rate: float | None = None
    n_patients: int | None = None
    denominator: int | None = None
    ci_level: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    median: float | None = None
    median_text: str | None = None
    hr: float | None = None
    arm: str | None = None


@dataclass
class TimelineEvent(Row):
    TABLE: ClassVar[str] = "timeline_events"
    TITLE: ClassVar[str] = "Timeline"
    SPECS: ClassVar[tuple[FieldSpec, ...]] = (
        FieldSpec("day", "Day", "int", width=60, description="Day relative to CAR-T infusion (day 0)"),
        FieldSpec("event", "Event", width=300, description="What happened, e.g. 'emapalumab started'"),
        FieldSpec("arm", "Patient", width=90),
    )
    day: int | None = None
    event: str | None = None
    arm: str | None = None


ROW_TYPES: tuple[type[Row], ...] = (Arm, Exposure, Toxicity, Measurement, Comparison, TimeToEvent, TimelineEvent)
TABLE_TYPES: dict[str, type[Row]] = {t.TABLE: t for t in (Study, *ROW_TYPES)}
LIST_ATTR: dict[type[Row], str] = {
    Arm: "arms", Exposure: "exposures", Toxicity: "toxicities", Measurement: "measurements",
    Comparison: "comparisons", TimeToEvent: "time_to_event", TimelineEvent: "events",
}


@dataclass
class Record:
    """Everything curated for one paper."""

    paper_id: int
    status: str = RECORD_DRAFT
    revision: int = 0
    curator: str | None = None
    verified_at: str | None = None
    updated_at: str | None = None
    notes: str = ""
    contradicts: bool = False
    contradiction_comment: str = ""
    exclusion_reason: str = ""
    study: Study = field(default_factory=Study)
    arms: list[Arm] = field(default_factory=list)
    exposures: list[Exposure] = field(default_factory=list)
    toxicities: list[Toxicity] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    time_to_event: list[TimeToEvent] = field(default_factory=list)
    events: list[TimelineEvent] = field(default_factory=list)

    def rows(self, row_type: type[Row]) -> list[Row]:
        if row_type is Study:
            return [self.study]
        return getattr(self, LIST_ATTR[row_type])

    def all_rows(self) -> list[Row]:
        out: list[Row] = [self.study]
        for t in ROW_TYPES:
            out.extend(self.rows(t))
        return out

    def copy(self) -> Record:
        clone = Record(**{f.name: getattr(self, f.name) for f in dc_fields(self)})
        clone.study = self.study.copy()  # type: ignore[assignment]
        for t in ROW_TYPES:
            setattr(clone, LIST_ATTR[t], [r.copy() for r in self.rows(t)])
        return clone

    def has_suggestions(self) -> bool:
        return any(r.row_status == ROW_SUGGESTED for r in self.all_rows())


def link_accepted_by(row: Row, span: Span, who: str | None) -> str | None:
    """Who accepted the extractor's link `span` of `row`: kept once recorded, else whoever saves the row
    accepted (a curator; never the batch suggester); None for a link made by hand or a row still suggested."""
    if span.made_by != "extractor" or row.row_status != ROW_ACCEPTED:
        return None
    return span.accepted_by or (who if who != SUGGESTER else None)


# --- serialisation for autosave / JSON ------------------------------------------------------------

def row_to_dict(row: Row) -> dict[str, Any]:
    d = {"uid": row.uid, "row_status": row.row_status, **row.values()}
    if row.sources:
        d["sources"] = {k: v.to_dict() for k, v in row.sources.items()}
    return d


def row_from_dict(row_type: type[Row], d: dict[str, Any]) -> Row:
    allowed = set(row_type.value_fields()) | {"uid", "row_status"}
    row = row_type(**{k: v for k, v in d.items() if k in allowed})
    row.sources = {k: Span(**v) for k, v in (d.get("sources") or {}).items()}
    return row


def record_to_dict(rec: Record) -> dict[str, Any]:
    d: dict[str, Any] = {
        k: getattr(rec, k) for k in ("paper_id", "status", "revision", "curator", "verified_at", "updated_at",
                                     "notes", "contradicts", "contradiction_comment", "exclusion_reason")
    }
    d["study"] = row_to_dict(rec.study)
    for t in ROW_TYPES:
        d[LIST_ATTR[t]] = [row_to_dict(r) for r in rec.rows(t)]
    return d


def record_from_dict(d: dict[str, Any]) -> Record:
    rec = Record(paper_id=d["paper_id"])
    for k in ("status", "revision", "curator", "verified_at", "updated_at", "notes", "contradicts",
              "contradiction_comment", "exclusion_reason"):
        if k in d:
            setattr(rec, k, d[k])
    rec.study = row_from_dict(Study, d.get("study") or {})  # type: ignore[assignment]
    for t in ROW_TYPES:
        setattr(rec, LIST_ATTR[t], [row_from_dict(t, x) for x in d.get(LIST_ATTR[t]) or []])
    return rec
