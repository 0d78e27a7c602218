"""A bank's outcomes upload: read (JSON rows, CSV or xlsx), checked, and what the report says.

Every row is a decision on an enterprise the bank was sent: ``approved``, ``declined`` or ``withdrawn``,
with the bank's loan (or application) id.  An approved row is a loan and is checked against the loans
contract exactly as ``innoscore validate`` checks a loans file (the bank is the key's owner); every row
must name an enterprise on one of the bank's shortlists, and a loan id once.  A declined or withdrawn
row keeps its id, enterprise, decision and product; loan terms on it are not kept.  All problems are reported
at once; nothing is stored when any row is bad.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pandas as pd

from innoscore.data.validation import validate_table
from innoscore.data.validation_report import Problem, ValidationReport
from innoscore.serve.store import DECISIONS, OUTCOME_COLUMNS

__all__ = ["read_upload", "check_outcomes", "UploadError"]

TABLE = "outcomes"
REQUIRED = ("loan_id", "enterprise_id", "decision")


class UploadError(ValueError):
    """An upload that cannot be read at all (not CSV, xlsx or JSON rows); the message says why."""


MAX_UNPACKED = 200_000_000  # an xlsx file is a zip: what it unpacks to is limited too


def _check_unpacked(content: bytes, filename: str | None) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            size = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise UploadError(f"{filename}: not a readable xlsx file (not a zip archive)") from None
    if size > MAX_UNPACKED:
        raise UploadError(f"{filename}: unpacks to {size:,} bytes (at most {MAX_UNPACKED:,})")


def read_upload(content: bytes, filename: str | None = None, rows: Any = None) -> pd.DataFrame:
    """The uploaded rows as text cells (empty cells missing), from JSON ``rows`` or a CSV / xlsx file."""
    if rows is not None:
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise UploadError("rows must be a list of objects, one per decision")
        frame = pd.DataFrame(rows)
    else:
        name = (filename or "").lower()
        if name.endswith(".xlsx"):
            _check_unpacked(content, filename)
            try:
                frame = pd.read_excel(io.BytesIO(content), dtype=str, engine="openpyxl")
            except Exception as exc:  # openpyxl raises many kinds for a broken file
                raise UploadError(f"{filename}: not a readable xlsx file ({type(exc).__name__})") from None
        elif name.endswith(".csv") or not name:
            try:
                text = content.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise UploadError(f"{filename or 'the upload'}: not UTF-8 text (byte {exc.start}); save the CSV "
                                  "as UTF-8") from None
            if not text.strip():
                raise UploadError(f"{filename or 'the upload'}: empty")
            try:
                frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
            except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
                raise UploadError(f"{filename or 'the upload'}: malformed CSV ({str(exc).strip()[:200]})") from None
        else:
            raise UploadError(f"{filename}: expected a .csv or .xlsx file, or JSON rows")
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.columns.duplicated().any():
        raise UploadError(f"duplicate columns: {sorted(set(frame.columns[frame.columns.duplicated()]))}")
    if not len(frame):
        raise UploadError("no rows")
    return frame.map(lambda v: None if v is None or (isinstance(v, float) and v != v) else str(v).strip() or None)


def _rows(mask: pd.Series, values: pd.Series) -> tuple[int, list[tuple[int, str]]]:
    idx = [i for i, m in enumerate(mask.tolist()) if m]
    return len(idx), [(i + 1, "" if values.iloc[i] is None else str(values.iloc[i])[:60]) for i in idx[:5]]


def check_outcomes(frame: pd.DataFrame, bank: str, sent: set[str], today: dt.date | None = None,
                   source: str = "upload") -> tuple[ValidationReport, pd.DataFrame]:
    """The report of every problem, and the rows typed (``OUTCOME_COLUMNS``) when there is none.  ``sent``:
    the enterprises on the bank's shortlists."""
    today = today or dt.date.today()
    report = ValidationReport(source, today)
    report.tables[TABLE] = {"file": source, "rows": len(frame)}
    problems: list[Problem] = []
    unknown = sorted(set(frame.columns) - set(OUTCOME_COLUMNS) - {"bank"})
    if unknown:
        problems.append(Problem(TABLE, None, "unknown columns", f"only {', '.join(OUTCOME_COLUMNS)}",
                                detail=", ".join(unknown)))
    for col in REQUIRED:
        if col not in frame.columns:
            problems.append(Problem(TABLE, col, "missing column", f"a column {col}"))
    if problems:
        report.problems = problems
        return report, frame.iloc[0:0]
    for col in REQUIRED:
        count, ex = _rows(frame[col].isna(), frame[col])
        if count:
            problems.append(Problem(TABLE, col, "missing value", "a value in every row", count, ex))
    dup = frame["loan_id"].notna() & frame["loan_id"].duplicated(keep=False)
    count, ex = _rows(dup, frame["loan_id"])
    if count:
        problems.append(Problem(TABLE, "loan_id", "duplicate value", "each loan id once", count, ex))
    bad = frame["decision"].notna() & ~frame["decision"].isin(DECISIONS)
    count, ex = _rows(bad, frame["decision"])
    if count:
        problems.append(Problem(TABLE, "decision", "value not allowed", f"one of {', '.join(DECISIONS)}", count, ex))
    if "bank" in frame.columns:
        other = frame["bank"].notna() & (frame["bank"] != bank)
        count, ex = _rows(other, frame["bank"])
        if count:
            problems.append(Problem(TABLE, "bank", "another bank", f"empty or {bank} (the key's owner)", count, ex))
    unsent = frame["enterprise_id"].notna() & ~frame["enterprise_id"].isin(sent)
    count, ex = _rows(unsent, frame["enterprise_id"])
    if count:
        problems.append(Problem(TABLE, "enterprise_id", "not sent to you",
                                "an enterprise on one of your shortlists", count, ex))
    typed = pd.DataFrame({c: frame[c] if c in frame.columns else None for c in OUTCOME_COLUMNS})
    approved = (frame["decision"] == "approved").to_numpy()
    loan_columns = [c for c in OUTCOME_COLUMNS if c not in ("loan_id", "enterprise_id", "decision", "product")]
    typed[loan_columns] = typed[loan_columns].astype(object)
    typed.loc[~approved, loan_columns] = None  # a declined or withdrawn application has no loan: its terms are not kept
    if approved.any():  # a loan: the loans contract, as `innoscore validate` checks it
        loans = typed[approved].drop(columns="decision").assign(bank=bank).reset_index(drop=True)
        loans_report, loans_typed = validate_table(loans, "loans", today, source)
        rows = [i + 1 for i, a in enumerate(approved) if a]
        for p in loans_report.problems:
            if p.check == "duplicate value" and p.column == "loan_id":
                continue  # reported above over every row
            p.table = TABLE
            p.examples = [(rows[r - 1], v) for r, v in p.examples]
            problems.append(p)
        for col in loans_typed.columns:
            if col in typed.columns and col not in ("loan_id", "enterprise_id"):
                typed[col] = typed[col].astype(object)
                typed.loc[approved, col] = loans_typed[col].to_numpy()
    report.problems = problems
    return report, typed if report.ok else typed.iloc[0:0]
