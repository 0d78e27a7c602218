"""The validation report: every problem found in a data folder, grouped by table and column."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from innoscore.errors import InnoscoreError

__all__ = ["Problem", "ValidationReport", "DataError", "MAX_EXAMPLES"]

MAX_EXAMPLES = 5


@dataclass
class Problem:
    """One kind of problem in one column of one table (or in a whole file when ``column`` is None).

    ``examples`` are (row, value) pairs; rows count data rows from 1, the header not
    counted (so data row N of a CSV file is on line N + 1).
    """

    table: str
    column: str | None
    check: str
    expected: str
    count: int = 1
    examples: list[tuple[int, str]] = field(default_factory=list)
    severity: str = "error"  # or "warning"
    detail: str | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["examples"] = [{"row": r, "value": v} for r, v in self.examples]
        return d


@dataclass
class ValidationReport:
    data_dir: str
    extracted_on: dt.date
    tables: dict[str, dict] = field(default_factory=dict)  # table -> {"file": ..., "rows": ...}
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        return {
            "data_dir": self.data_dir,
            "extracted_on": self.extracted_on.isoformat(),
            "ok": self.ok,
            "error_count": len(self.errors),
            "warning_count": len(self.problems) - len(self.errors),
            "tables": self.tables,
            "problems": [p.to_dict() for p in self.problems],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_text(self) -> str:
        lines = []
        n_err, n_warn = len(self.errors), len(self.problems) - len(self.errors)
        verdict = "valid" if self.ok else "NOT valid"
        lines.append(f"{self.data_dir}: {verdict} (extraction date {self.extracted_on.isoformat()}; "
                     f"{n_err} error{'s' if n_err != 1 else ''}, {n_warn} warning{'s' if n_warn != 1 else ''})")
        order = list(self.tables) + sorted({p.table for p in self.problems} - set(self.tables))
        for table in order:
            info = self.tables.get(table, {})
            probs = [p for p in self.problems if p.table == table]
            where = info.get("file") or "no file"
            rows = info.get("rows")
            head = f"  {table} ({where}" + (f", {rows:,} rows)" if rows is not None else ")")
            lines.append(head + (":" if probs else ": ok"))
            for p in probs:
                col = p.column if p.column is not None else "(file)"
                tag = "ERROR" if p.severity == "error" else "warning"
                rows_txt = f"{p.count:,} row{'s' if p.count != 1 else ''}" if p.examples else ""
                lines.append(f"    {tag} {col}: {p.check}" + (f" in {rows_txt}" if rows_txt else ""))
                lines.append(f"      expected: {p.expected}")
                if p.detail:
                    lines.append(f"      found: {p.detail}")
                if p.examples:
                    shown = ", ".join(f"row {r}: {v}" for r, v in p.examples)
                    more = f" (and {p.count - len(p.examples):,} more)" if p.count > len(p.examples) else ""
                    lines.append(f"      e.g. {shown}{more}")
        if self.problems:
            lines.append("  rows count data rows from 1, the header not counted (data row N of a CSV is on line N+1)")
        return "\n".join(lines)

    def write_json(self, path: str | Path) -> None:
        from innoscore.io import write_text_atomic

        write_text_atomic(Path(path), self.to_json() + "\n")


class DataError(InnoscoreError):
    """Raised when a data folder does not meet the data contract; carries the full report."""

    def __init__(self, report: ValidationReport):
        self.report = report
        super().__init__(report.to_text())
