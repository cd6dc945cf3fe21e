"""File ▸ Export…: format, filters, a live preview of row counts, progress and Cancel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from curator.domain.completions import completion_terms
from curator.services.export import ExportError, export_dataset, preview_counts
from curator.services.library import Library
from curator.ui.worker import LibraryOp

FORMATS = [("csv", "CSV — one file per table + datapackage.json"), ("xlsx", "Excel workbook"),
           ("json", "JSON"), ("parquet", "Parquet — one file per table"), ("sqlite", "SQLite file")]
SUFFIX = {"csv": "", "xlsx": ".xlsx", "json": ".json", "parquet": "", "sqlite": ".sqlite"}


class ExportDialog(QDialog):
    def __init__(self, lib: Library, selected_ids: list[int], parent=None, settings=None):
        super().__init__(parent)
        self.settings = settings  # a QSettings: the format and the place of the last export are remembered
        self.setWindowTitle("Export verified records")
        self.setObjectName("export_dialog")
        self.lib = lib
        self.selected_ids = selected_ids
        self.op: LibraryOp | None = None
        self.report = None

        self.format = QComboBox()
        self.format.setAccessibleName("Format")
        for key, label in FORMATS:
            self.format.addItem(label, key)
        self.out = QLineEdit(str(Path.home() / "curator-export"))
        self.out.setAccessibleName("Output path")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out, 1)
        out_row.addWidget(browse)
        self.only_selected = QCheckBox(f"Only the {len(selected_ids)} paper(s) selected in the list")
        self.only_selected.setEnabled(bool(selected_ids))
        self.drafts = QCheckBox("Include drafts (with their status column)")
        self.use_dates = QCheckBox("Verified between")
        self.date_from = QDateEdit(QDate.currentDate().addYears(-1))
        self.date_to = QDateEdit(QDate.currentDate())
        for d in (self.date_from, self.date_to):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
            d.setEnabled(False)
        self.use_dates.toggled.connect(self.date_from.setEnabled)
        self.use_dates.toggled.connect(self.date_to.setEnabled)
        dates = QHBoxLayout()
        dates.addWidget(self.use_dates)
        dates.addWidget(self.date_from)
        dates.addWidget(QLabel("and"))
        dates.addWidget(self.date_to)
        dates.addStretch(1)
        self.analyte = QLineEdit()
        self.analyte.setPlaceholderText("any analyte (e.g. IFN-γ)")
        self.analyte.setAccessibleName("Analyte filter")
        comp = QCompleter(completion_terms("analytes"), self.analyte)
        comp.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.analyte.setCompleter(comp)
        self.preview = QLabel()
        self.preview.setObjectName("export_preview")
        self.preview.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setVisible(False)

        form = QFormLayout()
        form.addRow("Format:", self.format)
        form.addRow("Save to:", out_row)
        form.addRow("", self.only_selected)
        form.addRow("", self.drafts)
        form.addRow("", dates)
        form.addRow("Analyte:", self.analyte)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_btn = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_btn.clicked.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.preview)
        lay.addWidget(self.progress)
        lay.addWidget(self.buttons)
        for sig in (self.only_selected.toggled, self.drafts.toggled, self.use_dates.toggled,
                    self.date_from.dateChanged, self.date_to.dateChanged, self.analyte.editingFinished):
            sig.connect(self.update_preview)
        self.format.currentIndexChanged.connect(self._format_changed)
        if settings is not None:  # the last export's format and place
            fmt = settings.value("export/format", "", type=str)
            keys = [k for k, _label in FORMATS]
            if fmt in keys:
                self.format.setCurrentIndex(keys.index(fmt))
            last = settings.value("export/path", "", type=str)
            if last:
                self.out.setText(last)
        self.update_preview()
        self.resize(620, 360)

    def filters(self) -> dict:
        return dict(
            include_drafts=self.drafts.isChecked(),
            paper_ids=self.selected_ids if self.only_selected.isChecked() else None,
            verified_from=self.date_from.date().toString("yyyy-MM-dd") if self.use_dates.isChecked() else None,
            verified_to=self.date_to.date().toString("yyyy-MM-dd") if self.use_dates.isChecked() else None,
            analyte=self.analyte.text().strip() or None,
        )

    def update_preview(self) -> None:
        try:
            counts = preview_counts(self.lib, **self.filters())
        except ExportError as exc:
            self.preview.setText(f"⚠ {exc}")
            self.export_btn.setEnabled(False)
            return
        papers = counts.get("papers", 0)
        rest = ", ".join(f"{n} {t.replace('_', ' ')}" for t, n in counts.items() if t != "papers" and n)
        self.preview.setText(f"<b>{papers} paper(s)</b> will be exported" + (f": {rest}." if rest else "."))
        self.export_btn.setEnabled(papers > 0)

    def _format_changed(self) -> None:
        key = self.format.currentData()
        p = Path(self.out.text())
        stem = p.with_suffix("") if p.suffix in (".xlsx", ".json", ".sqlite", ".zip") else p
        self.out.setText(str(stem) + SUFFIX[key])

    def _browse(self) -> None:
        key = self.format.currentData()
        if SUFFIX[key]:
            path, _ = QFileDialog.getSaveFileName(self, "Export to", self.out.text())
        else:
            path = QFileDialog.getExistingDirectory(self, "Export into a new folder", str(Path(self.out.text()).parent))
            if path:
                path = str(Path(path) / "curator-export")
        if path:
            self.out.setText(path)

    def start(self) -> LibraryOp:
        """Export off the GUI thread on a read-only connection of its own (the background helper)."""
        fmt, out, filters = self.format.currentData(), Path(self.out.text()), self.filters()
        if self.settings is not None:
            self.settings.setValue("export/format", fmt)
            self.settings.setValue("export/path", str(out))

        def work(lib, progress, cancel):
            return export_dataset(lib, fmt, out, progress=progress, cancel=cancel, **filters)

        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.export_btn.setEnabled(False)
        self.op = LibraryOp(self, self.lib, work, read_only=True).success(self._done).failure(self._failed)
        self.op.progressed.connect(self._progress)
        return self.op.run_in_background()

    def _progress(self, done: int, total: int, msg: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(msg or "%p%")

    def _done(self, report) -> None:
        self.report = report
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.preview.setText(f"Exported {report.total_rows} rows to {report.path}")
        # the dialog stays usable: another format, another filter, Export again; Cancel becomes Close
        self.export_btn.setEnabled(True)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        if cancel is not None:
            cancel.setText("Close")

    def _failed(self, msg: str) -> None:
        self.progress.setVisible(False)
        self.export_btn.setEnabled(True)
        first = msg.splitlines()[0]
        self.preview.setText(f"⚠ Export failed, nothing was written: {first}")

    def reject(self) -> None:
        """Cancel, Esc or the close box: a running export is stopped first (it leaves nothing behind)
        and the dialog stays open to say so; otherwise the dialog closes."""
        if self.op is not None and self.op.running:
            self.op.cancel()
            self.op.wait(10000)
            self.preview.setText("Cancelled: nothing was written.")
            return
        super().reject()

    cancel = reject
