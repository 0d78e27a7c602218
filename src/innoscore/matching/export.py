"""The files each bank or fund receives: ``<owner>.xlsx`` and ``<owner>.csv`` under ``shortlists/``.

* Chinese headers by default (``lang="en"`` for English); the xlsx has one sheet per product and a
  tier sheet, a frozen header row and readable column widths; the csv is UTF-8 with a BOM so that
  Excel shows the Chinese, and one row per (product, enterprise).
* An owner's files hold only the enterprises that consent to share their data with it; no personal
  field of a legal representative is ever read here (the population does not carry them).
* A text cell starting with ``= + - @`` (or a tab or carriage return) cannot run as a formula: the
  xlsx stores every text as a string cell, the csv prefixes such a cell with an apostrophe.
* The same inputs give byte-identical files: fixed zip timestamps and document dates.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from innoscore.matching.fields import Population
from innoscore.matching.products import ProductCatalog

__all__ = ["owner_frames", "write_owner_files", "industry_names", "COLUMNS", "FORMULA_START", "safe_text"]

# (key, Chinese header, English header)
COLUMNS = (
    ("rank", "排名", "rank"),
    ("enterprise_id", "统一社会信用代码", "enterprise id"),
    ("name", "企业名称", "name"),
    ("city", "地市", "city"),
    ("county", "区县", "county"),
    ("park", "高新区", "high-tech zone"),
    ("industry", "行业", "industry"),
    ("tier", "十百千万层级", "tier"),
    ("points", "创新积分", "points"),
    ("pd", "违约概率", "PD"),
    ("score", "信用评分", "score"),
    ("grade", "信用等级", "grade"),
    ("suggested_amount", "建议额度（元）", "suggested amount (yuan)"),
    ("why", "入选理由", "why"),
    ("reasons", "主要风险因素", "risk reasons"),
    ("products", "匹配产品", "products matched"),
)
PRODUCT_HEADER = ("product", "产品", "product")
TIER_COLUMNS = (
    ("tier", "层级", "tier"), ("tier_rank", "层级排名", "tier rank"), ("enterprise_id", "统一社会信用代码", "enterprise id"),
    ("name", "企业名称", "name"), ("city", "地市", "city"), ("county", "区县", "county"), ("park", "高新区", "high-tech zone"),
    ("industry", "行业", "industry"), ("project_id", "项目编号", "project id"), ("project_name", "项目名称", "project"),
    ("trl", "技术成熟度", "TRL"), ("project_score", "成果评分", "project score"), ("points", "创新积分", "points"),
    ("pd", "违约概率", "PD"), ("grade", "信用等级", "grade"),
)
TIER_SHEET = ("十百千万", "tiers")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_WIDTHS = {"rank": 6, "enterprise_id": 21, "name": 30, "why": 60, "reasons": 40, "products": 30, "project_name": 30,
           "suggested_amount": 16, "tier": 14}


def safe_text(value: str) -> str:
    """A csv cell that Excel shows as text: an apostrophe before a leading ``= + - @``, tab or CR."""
    return "'" + value if value.startswith(FORMULA_START) else value


def industry_names() -> dict[str, str]:
    """Chinese names of the industry codes (from the province description; empty when it is missing)."""
    from innoscore.config import load_yaml

    try:
        return {i["code"]: i["name"] for i in load_yaml("synthetic/province.yaml").get("industries", [])}
    except Exception:  # a missing province description only loses the Chinese industry names
        return {}


def owner_frames(catalog: ProductCatalog, pop: Population, shortlists: pd.DataFrame, tiers: pd.DataFrame,
                 lang: str = "zh") -> dict[str, dict[str, pd.DataFrame]]:
    """Per owner: one frame per product (its shortlist, columns ``COLUMNS``) and the tier frame, in
    the language, holding only enterprises that consent to the owner."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be zh or en; got {lang!r}")
    industries = industry_names() if lang == "zh" else {}
    frame = pop.frame
    consent = pop.sets["consent"]
    tier_names = {t.id: t.name(lang) for t in catalog.tiers}
    sep = "；" if lang == "zh" else "; "
    # each enterprise's tiers (an enterprise level, and the project level if one of its projects is there)
    by_row: dict[int, list[str]] = {}
    ids = pd.Index(pop.ids)
    for t, e in zip(tiers["tier"], ids.get_indexer(tiers["enterprise_id"])):
        names = by_row.setdefault(int(e), [])
        if tier_names[t] not in names:
            names.append(tier_names[t])

    def pick(column: str, rows: np.ndarray) -> np.ndarray:  # the rows first: a million texts are slow to convert
        return frame[column].iloc[rows].to_numpy(object)

    out: dict[str, dict[str, pd.DataFrame]] = {}
    for code, owner in catalog.owners.items():
        products = [p for p in catalog.products if p.owner == code]
        own = shortlists[shortlists["owner"] == code]
        matched: dict[int, list[str]] = {}
        for pid, r in zip(own["product"], own["row"]):
            matched.setdefault(int(r), []).append(catalog.product(pid).name(lang))
        sheets: dict[str, pd.DataFrame] = {}
        for p in products:
            s = own[own["product"] == p.id]
            rows = s["row"].to_numpy(np.int64)
            sheets[p.id] = pd.DataFrame({
                "rank": s["rank"].to_numpy(),
                "enterprise_id": pop.ids[rows],
                "name": pick("name", rows),
                "city": pick("city", rows),
                "county": pick("county", rows),
                "park": pick("park", rows),
                "industry": [industries.get(i, i) for i in pick("industry", rows)],
                "tier": [sep.join(by_row.get(int(r), [])) for r in rows],
                "points": np.round(pop.number("points")[rows], 2),
                "pd": np.round(pop.number("pd")[rows], 6),
                "score": np.round(pop.number("score")[rows], 1),
                "grade": pick("grade", rows),
                "suggested_amount": s["suggested_amount"].to_numpy("float64"),
                "why": s[f"why_{lang}"].to_numpy(object),
                "reasons": pop.reason_text(rows, lang),
                "products": [sep.join(matched.get(int(r), [])) for r in rows],
            })
        trow = ids.get_indexer(tiers["enterprise_id"])
        mine = consent.matches([code], len(pop))[trow] > 0
        t = tiers[mine]
        tr = trow[mine]
        sheets["_tiers"] = pd.DataFrame({
            "tier": [tier_names[x] for x in t["tier"]], "tier_rank": t["tier_rank"].to_numpy(),
            "enterprise_id": t["enterprise_id"].to_numpy(object), "name": pick("name", tr),
            "city": pick("city", tr), "county": pick("county", tr),
            "park": pick("park", tr),
            "industry": [industries.get(i, i) for i in pick("industry", tr)],
            "project_id": t["project_id"].to_numpy(object), "project_name": t["project_name"].to_numpy(object),
            "trl": t["trl"].to_numpy("float64"), "project_score": np.round(t["project_score"].to_numpy("float64"), 4),
            "points": np.round(t["points"].to_numpy("float64"), 2), "pd": np.round(t["pd"].to_numpy("float64"), 6),
            "grade": pick("grade", tr),
        })
        out[code] = sheets
    return out


# characters XML 1.0 (and so an xlsx) cannot hold: control characters and the non-characters U+FFFE, U+FFFF
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})  # a bare CR would read as LF


def _cell(value):
    """A value for a cell: None for missing, plain Python numbers, text as it is."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


def _sheet_title(name: str, used: set[str]) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "_", name)[:31]
    base, i = title, 2
    while title.lower() in used:  # Excel (and openpyxl) compare sheet names ignoring case
        suffix = f"({i})"
        title, i = base[:31 - len(suffix)] + suffix, i + 1
    used.add(title.lower())
    return title


def _deterministic(xlsx: bytes, stamp: dt.datetime, rows: dict[str, bytes] | None = None) -> bytes:
    """The workbook with fixed zip timestamps and document dates, so that equal inputs give equal bytes;
    ``rows`` (sheet title -> row elements) are added at the end of each sheet's data."""
    from lxml import etree

    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    parts: dict[str, bytes] = {}
    if rows:  # the part holding each sheet, from the workbook and its relationships
        ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
              "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
              "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
        book = etree.fromstring(src.read("xl/workbook.xml"))
        rels = etree.fromstring(src.read("xl/_rels/workbook.xml.rels"))
        target = {r.get("Id"): r.get("Target") for r in rels.findall("p:Relationship", ns)}
        for sheet in book.findall("m:sheets/m:sheet", ns):
            path = target[sheet.get(f"{{{ns['r']}}}id")].lstrip("/")
            parts[path if path.startswith("xl/") else "xl/" + path] = rows.get(sheet.get("name"), b"")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + iso.encode()
                              + rb"\g<2>", data)
            elif parts.get(info.filename):
                head, tail = data.rsplit(b"</sheetData>", 1)
                data = head + parts[info.filename] + b"</sheetData>" + tail
            z = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            z.compress_type = zipfile.ZIP_DEFLATED
            z.external_attr = 0o644 << 16
            dst.writestr(z, data)
    return buf.getvalue()


def _text_cell(v: str, at: str) -> str:
    v = _ILLEGAL_XML.sub("", v).translate(_ESCAPE)
    space = ' xml:space="preserve"' if v[:1].isspace() or v[-1:].isspace() else ""
    return f'<c r="{at} t="inlineStr"><is><t{space}>{v}</t></is></c>'


def _column_cells(column: pd.Series, ref: str, style: int | None) -> list[str]:
    """One column's cells (row 2 on) as SpreadsheetML: numbers as numbers (with the column's style), every
    text an inline string (never a formula), nothing for a missing value."""
    s = f' s="{style}"' if style is not None else ""
    numpy = isinstance(column.dtype, np.dtype)  # not a nullable extension type (those go the general way)
    if numpy and column.dtype.kind in "iu":
        return [f'<c r="{ref}{r}"{s}><v>{v}</v></c>' for r, v in enumerate(column.tolist(), start=2)]
    if numpy and column.dtype.kind == "f":
        return [f'<c r="{ref}{r}"{s}><v>{v!r}</v></c>' if math.isfinite(v) else ""
                for r, v in enumerate(column.to_numpy("float64").tolist(), start=2)]
    out = []
    for r, v in enumerate(column.to_numpy(object).tolist(), start=2):
        if isinstance(v, str):
            out.append(_text_cell(v, f'{ref}{r}"{s}'))
        elif v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and not math.isfinite(v)):
            out.append("")
        elif isinstance(v, (bool, np.bool_)):
            out.append(f'<c r="{ref}{r}"{s} t="b"><v>{int(v)}</v></c>')
        elif isinstance(v, (int, float, np.integer, np.floating)):
            out.append(f'<c r="{ref}{r}"{s}><v>{_cell(v)!r}</v></c>')
        else:  # a date or anything else: its text
            out.append(_text_cell(str(v), f'{ref}{r}"{s}'))
    return out


def _write_sheet(ws, frame: pd.DataFrame, headers: list[tuple[str, str]]) -> bytes:
    """A bold, frozen header row and readable widths written into the write-only sheet; returns the data
    rows as SpreadsheetML for :func:`_deterministic` to add (a column at a time: a shortlist of 10^5 rows
    takes a second, not the ten openpyxl takes cell by cell).  PD shows as a percentage, amounts with
    thousands separators, and every text is a string cell (a leading ``=`` is not a formula)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    keys = [k for k, _ in headers]
    ws.freeze_panes = "A2"
    for i, (key, header) in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(key, max(10, min(24, 2 * len(header) + 2)))
    bold = Font(bold=True)
    head = []
    for _, h in headers:
        cell = WriteOnlyCell(ws, value=h)
        cell.font = bold
        head.append(cell)
    ws.append(head)
    styles: dict[str, int] = {}
    for key, fmt in (("pd", "0.00%"), ("suggested_amount", "#,##0")):
        if key in keys:
            proto = WriteOnlyCell(ws)
            proto.number_format = fmt
            styles[key] = proto.style_id  # registers the style with the workbook
    columns = [_column_cells(frame[k], get_column_letter(i), styles.get(k))
               for i, k in enumerate(keys, start=1)]
    rows = [f'<row r="{r}">' + "".join(cells) + "</row>" for r, cells in enumerate(zip(*columns), start=2)]
    return "".join(rows).encode("utf-8")


def _about_rows(catalog: ProductCatalog, code: str, as_of: dt.date, model: str, lang: str) -> list[tuple[str, str]]:
    """What an auditor asks of a file: whose it is, as of when, from which model, catalog and program."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        program = f"innoscore {version('innoscore')}"
    except PackageNotFoundError:  # running from a source tree that is not installed
        program = "innoscore"
    owner = catalog.owners[code]
    zh = lang == "zh"
    return [
        ("机构" if zh else "institution", f"{owner.name(lang)} ({code})"),
        ("数据截止日期" if zh else "as of", as_of.isoformat()),
        ("信用模型" if zh else "credit model", model or ("未记录" if zh else "not recorded")),
        ("产品目录" if zh else "product catalog", Path(catalog.source).name),
        ("范围" if zh else "scope", "仅含授权本机构共享数据的企业；不含法定代表人个人信息" if zh else
         "only enterprises that consent to share their data with this institution, and no personal data of legal "
         "representatives"),
        ("生成程序" if zh else "generated by", program),
    ]


def write_owner_files(folder: Path, catalog: ProductCatalog, sheets: dict[str, dict[str, pd.DataFrame]],
                      as_of: dt.date, lang: str = "zh", model: str = "") -> list[Path]:
    """``<owner>.xlsx`` and ``<owner>.csv`` for every owner into ``folder``; returns the paths written.
    ``model`` names the credit model the PDs came from (in the workbook's document properties)."""
    from openpyxl import Workbook

    folder.mkdir(parents=True, exist_ok=True)
    k = 1 if lang == "zh" else 2
    headers = [(c[0], c[k]) for c in COLUMNS]
    tier_headers = [(c[0], c[k]) for c in TIER_COLUMNS]
    written = []
    stamp = dt.datetime(as_of.year, as_of.month, as_of.day)
    for code, by_product in sheets.items():
        wb = Workbook(write_only=True)
        used: set[str] = set()
        rows = []
        sheet_rows: dict[str, bytes] = {}
        for pid, frame in by_product.items():
            if pid == "_tiers":
                continue
            product = catalog.product(pid)
            ws = wb.create_sheet(_sheet_title(product.name(lang), used))
            sheet_rows[ws.title] = _write_sheet(ws, frame, headers)
            rows.append(frame.assign(product=product.name(lang)))
        ws = wb.create_sheet(_sheet_title(TIER_SHEET[0 if lang == "zh" else 1], used))
        sheet_rows[ws.title] = _write_sheet(ws, by_product["_tiers"], tier_headers)
        # what an auditor asks (whose, as of when, which model and catalog) in the document properties
        # (File > Info in Excel), so that every sheet stays a table
        about = _about_rows(catalog, code, as_of, model, lang)
        wb.properties.creator = "innoscore"
        wb.properties.title = f"{about[0][1]} {as_of.isoformat()}"
        wb.properties.subject = about[4][1]
        wb.properties.description = "; ".join(f"{k}: {v}" for k, v in about)
        wb.properties.keywords = f"as_of={as_of.isoformat()}; model={model}; owner={code}"
        buf = io.BytesIO()
        wb.save(buf)
        xlsx = folder / f"{code}.xlsx"
        xlsx.write_bytes(_deterministic(buf.getvalue(), stamp, sheet_rows))
        written.append(xlsx)
        # the csv: every product's rows, the product first
        all_rows = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=[c[0] for c in COLUMNS])
        cols = [PRODUCT_HEADER] + list(COLUMNS)
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\r\n")
        w.writerow([c[k] for c in cols])
        for values in all_rows.reindex(columns=[c[0] for c in cols]).itertuples(index=False, name=None):
            w.writerow(["" if _cell(v) is None else safe_text(v) if isinstance(v, str) else repr(_cell(v))
                        if isinstance(_cell(v), float) else _cell(v) for v in values])
        path = folder / f"{code}.csv"
        path.write_bytes(("\ufeff" + out.getvalue()).encode("utf-8"))
        written.append(path)
    return written
