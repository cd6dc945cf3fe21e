"""Everything the plots draw, computed without Qt (pure): panels per unit, series, flags, markers, bands,
tooltips and the CSV rows behind each plot.

One module per plot — `kinetics`, `comparisons` (before → after), `survival`, `library` (one analyte
across the library) — plus `tooltips` (what a hover shows), `csv_rows` (the data behind a plot), and the
shared `values` (flags, formats, units, log-axis rules) and `sources` (`Ref`, source sentences).

The widgets in `curator/ui/*plot*.py` only turn these objects into pyqtgraph items, so what a curator
sees can be tested here without a display. This package imports only `curator.domain` (and numpy): never
the store, the services or Qt; `curator.services.plots` reads the library for the across-library plot.

Conventions
-----------
- Days are as the paper states them (CAR-T infusion = day 0). `x` is the day relative to the chosen
  anchor (infusion, or the start of a treatment): `x = day - anchor.day`.
- `value` is always the value as reported; `y` is where it is drawn. They differ only for a value
  that cannot sit on a log axis (zero or negative): it is drawn at the panel's `floor` and flagged.
- A value written with '<' (below a detection limit) is drawn at the limit with its own marker and
  flag `below_limit`; '>' (above the upper limit) gets `above_limit`.
- Every point carries a `Ref`: (table, row index or position, uid, paper id, paper, source quote), so a
  click can select the form row (or open the paper) and a hover can show where the number came from.
- Kinetics never converts units (the curator checks what *this* paper says: one panel per unit);
  the across-library plot converts to the analyte's default unit only where `units.convert` says it is
  safe (DOMAIN.md), records the conversion used on every point, and keeps the rest on panels of their
  own unit.
"""
