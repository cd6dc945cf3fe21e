"""Each row type's FieldSpecs (the one declaration of a table) match the table a fresh library migrates to."""

from __future__ import annotations

import pytest

from curator.domain.outcomes import ROW_TYPES, Arm, FieldSpec, Row, Study
from curator.export.dictionary import SCHEMA_EXTRAS
from curator.store import migrations
from curator.store.library import Library

# what every record table holds besides its values: (name, declared type, not null, primary key)
ROW_KEYS = {
    "id": ("INTEGER", 0, 1),
    "uid": ("TEXT", 1, 0),
    "paper_id": ("INTEGER", 1, 0),
    "position": ("INTEGER", 1, 0),
    "row_status": ("TEXT", 1, 0),
}
# the SQL type a FieldSpec kind is stored as
SQL_TYPE = {"text": "TEXT", "choice": "TEXT", "vocab": "TEXT", "int": "INTEGER", "bool": "INTEGER", "float": "REAL"}


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> dict[str, dict[str, tuple[str, int, int]]]:
    """{table: {column: (declared type, not null, primary key)}} of a freshly migrated library."""
    lib = Library.open(tmp_path_factory.mktemp("schema") / "library.sqlite")
    try:
        assert lib.schema_version == migrations.latest_version()
        return {t.TABLE: {r[1]: (r[2].upper(), r[3], r[5]) for r in lib.conn.execute(f"PRAGMA table_info({t.TABLE})")}
                for t in (Study, *ROW_TYPES)}
    finally:
        lib.close()


def check_table(row_type: type[Row], columns: dict[str, tuple[str, int, int]]) -> None:
    table = row_type.TABLE
    assert columns, f"{table}: no such table in a freshly migrated library"
    for name, declared in ROW_KEYS.items():
        assert columns.get(name) == declared, f"{table}.{name}: {columns.get(name)} in SQL, {declared} expected"
    specs = {s.name: s for s in row_type.SPECS}
    values = {n: c for n, c in columns.items() if n not in ROW_KEYS}
    missing = sorted(set(specs) - set(values))
    assert not missing, f"{table}: FieldSpec columns {missing} are not in the table"
    # a column with no FieldSpec must be one the export dictionary documents (derived on save)
    undeclared = sorted(n for n in values if n not in specs and (table, n) not in SCHEMA_EXTRAS)
    assert not undeclared, f"{table}: columns {undeclared} have no FieldSpec"
    for name, spec in specs.items():
        sql_type, notnull, _ = values[name]
        assert sql_type == SQL_TYPE[spec.kind], f"{table}.{name}: {spec.kind} FieldSpec stored as {sql_type}"
        assert not notnull, f"{table}.{name}: NOT NULL, but a draft may leave it empty"


@pytest.mark.parametrize("row_type", (Study, *ROW_TYPES), ids=lambda t: t.TABLE)
def test_field_specs_match_the_migrated_table(schema, row_type):
    check_table(row_type, schema[row_type.TABLE])


def test_every_spec_kind_has_an_sql_type():
    kinds = {s.kind for t in (Study, *ROW_TYPES) for s in t.SPECS}
    assert kinds <= set(SQL_TYPE), kinds - set(SQL_TYPE)


def test_a_renamed_or_retyped_spec_is_caught(schema, monkeypatch):
    """The check above fails when a FieldSpec and its column part: renamed, or declared another type."""
    specs = Arm.SPECS
    renamed = tuple(FieldSpec("patients", s.label, s.kind) if s.name == "n" else s for s in specs)
    monkeypatch.setattr(Arm, "SPECS", renamed)
    with pytest.raises(AssertionError, match=r"\['patients'\] are not in the table"):
        check_table(Arm, schema["arms"])
    retyped = tuple(FieldSpec(s.name, s.label, "float") if s.name == "n" else s for s in specs)
    monkeypatch.setattr(Arm, "SPECS", retyped)
    with pytest.raises(AssertionError, match=r"arms\.n: float FieldSpec stored as INTEGER"):
        check_table(Arm, schema["arms"])
