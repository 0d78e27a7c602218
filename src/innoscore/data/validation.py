"""Loading a data folder and checking it against the data contract.

``validate(data_dir)`` reads every table, converts each column to its contract type
and runs the pandera schemas; it collects **every** problem rather than stopping at the
first.  ``load(data_dir)`` does the same and returns the typed tables, or raises
:class:`DataError` carrying the full report.

Why one module of about 500 lines: reading and checking share the per-column conversions and the
problem report; the contract, the pandera schemas and the report's text are in their own modules.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.parquet as pq
import yaml

from innoscore.data.contract import TABLE_NAMES, TABLES, Table
from innoscore.data.dataset import Dataset
from innoscore.data.schemas import DTYPES, empty_frame, schema_for
from innoscore.data.validation_report import MAX_EXAMPLES, DataError, Problem, ValidationReport
from innoscore.keys import duplicated

# Dataset lives in data/dataset.py; it is named here too, where readers have always found it
__all__ = ["Dataset", "validate", "validate_table", "load", "read", "read_extraction_date", "DATASET_FILE"]

DATASET_FILE = "dataset.yaml"
SUFFIXES = (".parquet", ".csv")
_TRUE = {"true", "t", "1", "yes", "y"}
_FALSE = {"false", "f", "0", "no", "n"}
_MASK = "***"  # shown instead of personal data
_HEAD_BYTES = 65536


# ----------------------------------------------------------------------------- reading


def read_extraction_date(data_dir: Path, problems: list[Problem] | None = None) -> dt.date:
    """The folder's extraction date from ``dataset.yaml`` (key ``extracted_on``), else today."""
    path = Path(data_dir) / DATASET_FILE
    problems = problems if problems is not None else []
    if not path.exists():
        return dt.date.today()
    expected = "a YAML mapping with extracted_on: YYYY-MM-DD"
    try:
        meta = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(Problem(DATASET_FILE, None, "unreadable", expected, detail=str(exc).splitlines()[0]))
        return dt.date.today()
    value = meta.get("extracted_on") if isinstance(meta, dict) else None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            pass
    if not isinstance(value, dt.date):
        problems.append(Problem(DATASET_FILE, "extracted_on", "missing or not a date", expected,
                                detail=repr(value)))
        return dt.date.today()
    return value


def _first_non_utf8(path: Path) -> str:
    """Where the first byte that is not UTF-8 lies, as 'byte B (line L) is not UTF-8'."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, line = 0, 1
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            pending = len(decoder.getstate()[0])  # bytes of a character split across chunks
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                at = max(exc.start - pending, 0)
                where = line + chunk[:at].count(b"\n")
                return f"byte {offset + at} (line {where}) is not UTF-8"
            offset += len(chunk)
            line += chunk.count(b"\n")
    return "the file is not UTF-8"


def _read_csv(path: Path, table: Table) -> tuple[pd.DataFrame | None, list[Problem]]:
    name = table.name

    def bad(check: str, expected: str, detail: str | None = None) -> tuple[None, list[Problem]]:
        return None, [Problem(name, None, check, expected, detail=detail)]

    csv_expected = "a UTF-8 CSV file with a header row and one row per " + table.one_row_per
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(_HEAD_BYTES)
    if not head.strip() and size <= _HEAD_BYTES:
        return bad("empty file", csv_expected, f"{path.name} has {size} bytes")
    if b"\x00" in head:
        return bad("not a text file", csv_expected, f"{path.name} holds binary data (NUL bytes)")
    lines = head.decode("utf-8-sig", errors="replace").splitlines()
    header_line = lines[0] if lines else ""
    try:
        frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False, na_values=[""])
    except UnicodeDecodeError:
        return bad("not UTF-8", csv_expected, _first_non_utf8(path) + "; was the file saved as GBK/GB18030?")
    except pd.errors.EmptyDataError:
        return bad("empty file", csv_expected, "no header row")
    except (pd.errors.ParserError, ValueError) as exc:
        return bad("malformed CSV", csv_expected, str(exc).strip().splitlines()[-1])
    header = [h.strip() for h in next(csv.reader([header_line]), [])]
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        return bad("duplicate column names", "each column once", ", ".join(dupes))
    frame.columns = [str(c).strip() for c in frame.columns]
    if len(frame.columns) == 1 and len(table.columns) > 1:
        for sep, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
            if sep in header_line:
                return bad("wrong delimiter", "columns separated by commas",
                           f"the header row is separated by {label}: {header_line[:120]!r}")
    if frame.empty:
        return bad("no rows", csv_expected + " (leave the file out if the table is empty)",
                   f"{path.name} has a header but no data rows")
    return frame, []


def _read_parquet(path: Path, table: Table) -> tuple[pd.DataFrame | None, list[Problem]]:
    expected = "a Parquet file with one row per " + table.one_row_per
    try:
        arrow = pq.read_table(path)
        arrow.validate(full=True)  # e.g. text that is not UTF-8 would otherwise fail later, when used
        # dates arrive as date32; as timestamps they convert to datetime64 without Python objects
        arrow = arrow.cast(pa_arrow.schema([
            pa_arrow.field(f.name, pa_arrow.timestamp("s")) if pa_arrow.types.is_date(f.type) else f
            for f in arrow.schema]))
        frame = arrow.to_pandas(self_destruct=True, split_blocks=True)  # frees each column once converted
        del arrow
    except Exception as exc:  # pyarrow raises several kinds for a file that is not Parquet
        return None, [Problem(table.name, None, "not a Parquet file", expected,
                              detail=str(exc).strip().splitlines()[0][:300])]
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        return None, [Problem(table.name, None, "no rows", expected + " (leave the file out if the table is empty)",
                              detail=f"{path.name} has no rows")]
    return frame.reset_index(drop=True), []


def _locate(data_dir: Path) -> tuple[dict[str, Path], list[Problem]]:
    found: dict[str, Path] = {}
    problems: list[Problem] = []
    for name in TABLE_NAMES:
        paths = [data_dir / f"{name}{suffix}" for suffix in SUFFIXES if (data_dir / f"{name}{suffix}").is_file()]
        if len(paths) > 1:
            problems.append(Problem(name, None, "more than one file", "one file per table",
                                    detail=", ".join(p.name for p in paths)))
        elif paths:
            found[name] = paths[0]
        elif TABLES[name].required:
            near = sorted(p.name for p in data_dir.glob(f"{name}.*"))
            problems.append(Problem(name, None, "missing required table",
                                    f"{name}.parquet or {name}.csv in {data_dir}",
                                    detail=("found only " + ", ".join(near) + ": only .parquet and .csv are read")
                                    if near else None))
    known = {f"{n}{s}" for n in TABLE_NAMES for s in SUFFIXES}
    for path in sorted(data_dir.iterdir()):
        if path.suffix in SUFFIXES and path.name not in known:
            problems.append(Problem(path.stem, None, "unknown table", "one of " + ", ".join(TABLE_NAMES),
                                    severity="warning", detail=f"{path.name} is ignored"))
    return found, problems


# ----------------------------------------------------------------------------- typing


def _examples(values: pd.Series, mask: pd.Series, personal: bool) -> list[tuple[int, str]]:
    idx = np.flatnonzero(mask.to_numpy())[:MAX_EXAMPLES]
    return [(int(i) + 1, _MASK if personal else _show(values.iloc[i])) for i in idx]


def _show(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT:
        return "(empty)"
    if isinstance(value, pd.Timestamp):
        if not 1 <= value.year <= 9999:  # beyond Python's dates: numpy still prints it
            return str(value.to_datetime64())
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return f"{value:.0f}"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _to_text(s: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    if isinstance(s.dtype, pd.StringDtype):
        return s, pd.Series(False, index=s.index), "text"
    present = s.notna()
    if s.dtype.kind in "iu":  # numbers stored where text was expected (Parquet)
        s = s.astype("Int64")
    return s.astype("str").where(present, None).astype("str"), pd.Series(False, index=s.index), "text"


# rows pandera checks at a time (its working copies of a 14.6-million-row table took 2.6 GB)
BLOCK_ROWS = 2_000_000
# the largest magnitude a number may have: far beyond any enterprise's yuan (10^15 = 1,000万亿), small
# enough that whole numbers stay exact and sums never overflow
MAX_ABS = 1e15
# the dates a table may hold: Python's dates end in 9999 (beyond, arithmetic fails); 9999-12-31 itself
# stays allowed, as the "open-ended" date some systems write for a validity or maturity
DATE_RANGE = (pd.Timestamp("1000-01-01"), pd.Timestamp("9999-12-31"))


def _to_float(s: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    if s.dtype.kind in "fiub":
        typed = s.astype("float64")
    else:
        typed = pd.to_numeric(s.astype("str").str.strip(), errors="coerce").astype("float64")
    with np.errstate(invalid="ignore"):
        typed = typed.where(np.isfinite(typed) & (typed.abs() <= MAX_ABS))  # inf, nan spelled out, 1e300
    return typed, s.notna() & typed.isna(), f"a finite number (at most {MAX_ABS:.0e} in size)"


def _to_int(s: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    typed, bad, _ = _to_float(s)
    fractional = typed.notna() & (typed != np.floor(typed.fillna(0)))
    return typed.where(~fractional).astype("Int64"), bad | fractional, f"a whole number (at most {MAX_ABS:.0e})"


def _to_date(s: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    if pd.api.types.is_datetime64_any_dtype(s):
        typed = s
    else:
        typed = pd.to_datetime(s.astype("str").str.strip(), format="ISO8601", errors="coerce")
    if getattr(typed.dt, "tz", None) is not None:
        typed = typed.dt.tz_localize(None)
    typed = typed.astype("datetime64[s]")
    typed = typed.where((typed >= DATE_RANGE[0]) & (typed <= DATE_RANGE[1]))  # year 275000 is not a date here
    typed = typed.astype(DTYPES["date"])
    day = typed.to_numpy().astype("datetime64[D]")
    if (day != typed.to_numpy()).any():  # a time of day: keep the date
        typed = pd.Series(day.astype(DTYPES["date"]), index=typed.index)
    return typed, s.notna() & typed.isna(), f"a date YYYY-MM-DD from {DATE_RANGE[0].year} to {DATE_RANGE[1].year}"


def _to_bool(s: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    if s.dtype.kind == "b" or str(s.dtype) == "boolean":
        return s.astype("boolean"), pd.Series(False, index=s.index), "true or false"
    low = s.astype("str").str.strip().str.lower()
    typed = pd.Series(pd.NA, index=s.index, dtype="boolean")
    typed[low.isin(_TRUE).to_numpy()] = True
    typed[low.isin(_FALSE).to_numpy()] = False
    return typed, s.notna() & typed.isna(), "true or false"


# per contract kind: (typed values, values that did not convert, what was expected)
_CONVERTERS = {"str": _to_text, "uscc": _to_text, "float": _to_float, "int": _to_int, "date": _to_date,
               "bool": _to_bool}


def _coerce(raw: pd.DataFrame, table: Table) -> tuple[pd.DataFrame, list[Problem], dict[str, np.ndarray]]:
    """Columns converted to their contract types; values that do not convert become problems.  The
    contract's columns are taken out of ``raw`` as they are converted (a large table is not held twice).

    Also returns, per column, the rows already reported (a missing column: all rows), so that
    the schema checks do not report them a second time as empty.
    """
    problems: list[Problem] = []
    reported: dict[str, np.ndarray] = {}
    out = {}
    n = len(raw)
    for col in table.columns:
        if col.name not in raw.columns:
            if col.required:
                problems.append(Problem(table.name, col.name, "missing column",
                                        f"a column {col.name} ({col.kind}): {col.description}"))
                reported[col.name] = np.arange(n)
            out[col.name] = pd.Series([pd.NA] * n if col.kind not in ("float", "date") else [np.nan] * n,
                                      dtype=DTYPES[col.kind])
            continue
        s = raw.pop(col.name)  # the raw column goes as its typed one comes: a table is not held twice
        typed, bad, expected = _CONVERTERS[col.kind](s)
        bad = bad.fillna(False).astype(bool)
        if bad.any():
            problems.append(Problem(table.name, col.name, "wrong type", expected, count=int(bad.sum()),
                                    examples=_examples(s, bad, col.personal)))
            reported[col.name] = np.flatnonzero(bad.to_numpy())
        out[col.name] = typed.reset_index(drop=True)
    retired = dict(table.retired)
    for extra in [c for c in raw.columns if c not in table.column_names]:
        hint = f"ignored; {retired[extra]}" if extra in retired else "ignored"
        problems.append(Problem(table.name, extra, "unknown column", "only the contract's columns",
                                severity="warning", detail=hint))
    return pd.DataFrame(out, copy=False), problems, reported


# ----------------------------------------------------------------------------- checking

_BUILTIN_EXPECTED = {
    "not_nullable": "a value (this column may not be empty)",
    "field_uniqueness": "unique values",
}


def _schema_problems(frame: pd.DataFrame, table: Table, extracted_on: dt.date,
                     enterprise_ids: pd.Index | None, reported: dict[str, np.ndarray]) -> list[Problem]:
    # pandera checks the rows a block at a time (its working copies stay small); the unique columns
    # and the key are checked on the whole table, in Arrow (innoscore.keys: faster than pandas)
    schema = schema_for(table.name, extracted_on, enterprise_ids, uniqueness=False)
    found = []
    for start in range(0, len(frame), BLOCK_ROWS):
        try:
            schema.validate(frame.iloc[start:start + BLOCK_ROWS], lazy=True)
        except pa.errors.SchemaErrors as exc:
            found.append(exc.failure_cases)
    keys = [([c.name], "field_uniqueness") for c in table.columns if c.unique]
    if len(table.key) > 1:
        keys.append((list(table.key), "multiple_fields_uniqueness"))
    for columns, check in keys:
        rows = np.flatnonzero(duplicated(frame, columns))
        if len(rows):
            found.append(pd.DataFrame({"column": columns[0], "check": check, "index": rows,
                                       "failure_case": frame[columns[0]].to_numpy(object)[rows]}))
    if not found:
        return []
    cases = pd.concat(found, ignore_index=True)
    rules = {r.expected: r for r in table.rules}
    problems: list[Problem] = []
    personal = {c.name for c in table.columns if c.personal}
    for (column, check), group in cases.groupby(["column", "check"], sort=False, dropna=False):
        if check in rules and column != rules[check].column:
            continue  # a row rule is reported once, against its own column
        rows = pd.to_numeric(group["index"], errors="coerce").dropna().astype(np.int64).unique()
        rows.sort()
        if check == "not_nullable" and column in reported:  # already reported as missing or unreadable
            rows = np.setdiff1d(rows, reported[column])
            if len(rows) == 0:
                continue
        if check == "multiple_fields_uniqueness":
            if column != table.key[0]:
                continue
            expected = "unique (" + ", ".join(table.key) + ")"
            examples = [(int(r) + 1, ", ".join(_show(frame.at[r, k]) for k in table.key)) for r in rows[:MAX_EXAMPLES]]
            column = ", ".join(table.key)
            check = "duplicate key"
        elif check in rules:
            rule = rules[check]
            expected = check
            check = "rule broken"
            examples = [(int(r) + 1, f"{rule.column}={_show(frame.at[r, rule.column])}, "
                                     f"{rule.other}={_show(frame.at[r, rule.other])}") for r in rows[:MAX_EXAMPLES]]
        else:
            expected = _BUILTIN_EXPECTED.get(check, check)
            label = {"not_nullable": "empty value", "field_uniqueness": "duplicate value"}.get(check, "value not allowed")
            if len(rows) == 0:  # a schema-level failure without rows (should not happen after typing)
                problems.append(Problem(table.name, None if pd.isna(column) else column, label, expected,
                                        detail=", ".join(map(str, group["failure_case"].head(MAX_EXAMPLES)))))
                continue
            masked = column in personal
            examples = [(int(r) + 1, _MASK if masked else _show(frame.at[r, column])) for r in rows[:MAX_EXAMPLES]]
            check = label
        problems.append(Problem(table.name, None if pd.isna(column) else str(column), check, expected,
                                count=len(rows), examples=examples))
    return problems


def _project_owner_problems(projects: pd.DataFrame) -> list[Problem]:
    owners = projects.groupby("project_id", sort=False)["enterprise_id"].transform("nunique")
    bad = (owners > 1).fillna(False).astype(bool)
    if not bad.any():
        return []
    return [Problem("projects", "project_id", "rule broken", "each project_id belongs to one enterprise",
                    count=int(bad.sum()), examples=[
                        (r, f"project_id={_show(projects.at[r - 1, 'project_id'])}, "
                            f"enterprise_id={_show(projects.at[r - 1, 'enterprise_id'])}")
                        for r, _ in _examples(projects["project_id"], bad, False)])]


def _problem_order(p: Problem) -> tuple[int, int]:
    """Tables in contract order, file problems first, then columns in contract order."""
    if p.table not in TABLES:
        return (len(TABLES), 0)
    if p.column is None:
        return (TABLE_NAMES.index(p.table), -1)
    names = TABLES[p.table].column_names
    first = p.column.split(",")[0].strip()
    return (TABLE_NAMES.index(p.table), names.index(first) if first in names else len(names))


def read(data_dir: str | Path, extracted_on: dt.date | None = None) -> tuple[ValidationReport, Dataset]:
    """Read and check a data folder: the report of all problems, and the tables as far as they could be typed."""
    data_dir = Path(data_dir)
    problems: list[Problem] = []
    if not data_dir.is_dir():
        report = ValidationReport(str(data_dir), extracted_on or dt.date.today())
        report.problems.append(Problem("(folder)", None, "not a folder", "a folder with one file per table",
                                       detail=f"{data_dir} does not exist or is not a folder"))
        return report, Dataset({}, report.extracted_on, data_dir)
    if extracted_on is None:
        extracted_on = read_extraction_date(data_dir, problems)
    report = ValidationReport(str(data_dir), extracted_on)
    found, located = _locate(data_dir)
    problems.extend(located)

    typed: dict[str, pd.DataFrame] = {}
    ids = None  # the enterprises' codes (the first table), for the other tables' check
    for name in TABLE_NAMES:
        table = TABLES[name]
        path = found.get(name)
        if path is None:
            typed[name] = empty_frame(name)
            report.tables[name] = {"file": None, "rows": 0}
            continue
        reader = _read_parquet if path.suffix == ".parquet" else _read_csv
        raw, read_problems = reader(path, table)
        problems.extend(read_problems)
        report.tables[name] = {"file": path.name, "rows": None if raw is None else len(raw)}
        if raw is None:
            typed[name] = empty_frame(name)
            continue
        typed[name], coerce_problems, reported = _coerce(raw, table)
        del raw
        problems.extend(coerce_problems)
        if name == "enterprises":
            ids = pd.Index(typed[name]["enterprise_id"].dropna()).unique()
        # each table checked as it comes: the check's working memory is not added to every table's
        problems.extend(_schema_problems(typed[name], table, extracted_on, ids, reported))
    if report.tables["projects"]["rows"]:
        problems.extend(_project_owner_problems(typed["projects"]))

    problems.sort(key=_problem_order)
    report.problems = problems
    dataset = Dataset(typed, extracted_on, data_dir,
                      {n: info["file"] for n, info in report.tables.items() if info.get("file")})
    return report, dataset


def validate_table(raw: pd.DataFrame, name: str, extracted_on: dt.date, source: str,
                   enterprise_ids: pd.Index | None = None) -> tuple[ValidationReport, pd.DataFrame]:
    """Check one table's rows (as read: text or typed) against the contract, as :func:`read` checks a
    folder's file: the report of all problems (rows counted from 1) and the typed rows."""
    table = TABLES[name]
    report = ValidationReport(source, extracted_on)
    report.tables[name] = {"file": source, "rows": len(raw)}
    typed, problems, reported = _coerce(raw.copy(), table)
    problems.extend(_schema_problems(typed, table, extracted_on, enterprise_ids, reported))
    problems.sort(key=_problem_order)
    report.problems = problems
    return report, typed


def validate(data_dir: str | Path, extracted_on: dt.date | None = None) -> ValidationReport:
    """Check a data folder against the contract and return the report of all problems."""
    return read(data_dir, extracted_on)[0]


def load(data_dir: str | Path, extracted_on: dt.date | None = None) -> Dataset:
    """Load and validate a data folder; raise :class:`DataError` with the full report if it is not valid."""
    report, dataset = read(data_dir, extracted_on)
    if not report.ok:
        raise DataError(report)
    return dataset
