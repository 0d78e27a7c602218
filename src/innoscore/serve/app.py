"""The data port: each bank or fund pulls its own shortlists and reports back its decisions.

``create_app(runs, store)`` builds the FastAPI application over the published months in ``runs/`` and
the port's database (:class:`~innoscore.serve.store.Store`).  Every request but the page and the docs
needs an API key (``Authorization: Bearer KEY`` or ``X-API-Key: KEY``); a key reads only its owner's
shortlists and only enterprises that consent to its owner, anything else is 404.  Every request is
written to the audit table.  Errors are JSON ``{"error": ...}``, never a traceback.

Why one module of about 500 lines: every route shares the same authorisation, limits, audit and month
cache, which live in ``create_app``'s closure; the database, uploads and page are in their own modules.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from innoscore.errors import UsageError
from innoscore.serve.store import KeyInfo, Store, is_missing

__all__ = ["create_app", "Limits", "PortError"]

log = logging.getLogger("innoscore.serve")
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")  # used with fullmatch: no trailing newline slips through
ENTERPRISE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")  # the unified social credit code's alphabet
MAX_PAGE = 5000


@dataclass(frozen=True)
class Limits:
    """Request body size (bytes) and rate per key (requests per second, with a burst)."""

    max_body: int = 20_000_000
    rate: float = 50.0
    burst: int = 200


class PortError(Exception):
    """A refused request: status and a message for the caller."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class _Month:
    """One published month, as the port reads it (cached)."""

    month: str
    as_of: str
    shortlists: pd.DataFrame
    enterprises: pd.DataFrame  # indexed by enterprise_id
    points: pd.DataFrame
    scores: pd.DataFrame
    first_loan: set = field(default_factory=set)
    reason_texts: dict = field(default_factory=dict)  # risk reason code -> (Chinese, English)
    stamp: int = 0  # the manifest's modification time: a month published again is read again


class _Months:
    """The published months under ``runs`` (folders named YYYY-MM with a manifest), a few kept loaded."""

    def __init__(self, runs: Path, keep: int = 3):
        self.runs, self.keep = Path(runs), keep
        self.loaded: OrderedDict[str, _Month] = OrderedDict()
        self.lock = threading.Lock()
        self.loading = threading.Lock()
        self.summaries: dict[str, tuple[int, dict[str, tuple[int, set]]]] = {}

    def names(self) -> list[str]:
        if not self.runs.is_dir():
            return []
        return sorted(p.name for p in self.runs.iterdir() if MONTH.fullmatch(p.name) and (p / "manifest.json").is_file()
                      and (p / "enterprises.parquet").is_file())

    def stamp(self, month: str) -> int:
        try:
            return (self.runs / month / "manifest.json").stat().st_mtime_ns
        except OSError:
            return -1

    def get(self, month: str) -> _Month:
        if not MONTH.fullmatch(month) or month not in self.names():
            raise PortError(404, f"no published month {month[:20]!r}")
        stamp = self.stamp(month)
        with self.lock:
            m = self.loaded.get(month)
            if m is not None and m.stamp == stamp:
                self.loaded.move_to_end(month)
                return m
        with self.loading:  # one request loads a month; the others asking at once wait for it
            with self.lock:
                m = self.loaded.get(month)
                if m is not None and m.stamp == stamp:
                    return m
            m = self._load(month)
            m.stamp = stamp
            with self.lock:
                self.summaries[month] = (stamp, {o: (len(e), set(e.astype(str))) for o, e in
                                                 m.shortlists.groupby("owner", observed=True)["enterprise_id"]})
            return m

    def summary(self, month: str) -> dict[str, tuple[int, set]]:
        """Per owner, its shortlist rows and enterprises in ``month`` (kept for every month: small)."""
        stamp = self.stamp(month)
        with self.lock:
            known = self.summaries.get(month)
        if known is None or known[0] != stamp:
            self.get(month)
            with self.lock:
                known = self.summaries[month]
        return known[1]

    def cached(self, month: str) -> _Month | None:
        """The month if it is loaded already and not published again since (one stat of its manifest)."""
        with self.lock:
            m = self.loaded.get(month)
        return m if m is not None and m.stamp == self.stamp(month) else None

    def _load(self, month: str) -> _Month:
        folder = self.runs / month
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        ent = pd.read_parquet(folder / "enterprises.parquet").set_index("enterprise_id")
        first = pd.read_parquet(folder / "first_loan.parquet", columns=["enterprise_id"])
        m = _Month(month, manifest.get("as_of", ""), pd.read_parquet(folder / "shortlists" / "shortlists.parquet"),
                   ent, pd.read_parquet(folder / "points.parquet").set_index("enterprise_id"),
                   pd.read_parquet(folder / "scores.parquet").set_index("enterprise_id"),
                   set(first["enterprise_id"].astype(str)),
                   {k: tuple(v) for k, v in json.loads((folder / "reason_texts.json").read_text(encoding="utf-8")).items()}
                   if (folder / "reason_texts.json").is_file() else {})
        with self.lock:
            self.loaded[month] = m
            while len(self.loaded) > self.keep:
                self.loaded.popitem(last=False)
        return m


class BodyLimit:
    """Refuses a request body beyond ``limit`` bytes however it is sent (with a Content-Length or in chunks):
    reading past the limit raises a 413 inside the application, which answers it as JSON."""

    def __init__(self, app: FastAPI, limit: int):
        self.app, self.limit = app, limit

    def __getattr__(self, name):  # the FastAPI application's attributes (routes, openapi, state) stay reachable
        return getattr(self.app, name)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            if message.get("type") == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise PortError(413, f"the request body is larger than {self.limit:,} bytes")
            return message

        await self.app(scope, limited, send)


def _refusal(exc: BaseException) -> PortError | None:
    """The PortError an exception is or wraps (task groups wrap what their tasks raise)."""
    seen = 0
    stack = [exc]
    while stack and seen < 50:
        e = stack.pop()
        seen += 1
        if isinstance(e, PortError):
            return e
        if isinstance(e, BaseExceptionGroup):
            stack.extend(e.exceptions)
        for nxt in (e.__cause__, e.__context__):
            if nxt is not None:
                stack.append(nxt)
    return None


def _key_of(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-api-key")


def _clean(v):
    if isinstance(v, (float, np.floating)):
        return None if not np.isfinite(v) else float(v)
    if is_missing(v):
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (pd.Timestamp, dt.date)):
        return v.isoformat()[:10]
    return v


def _records(frame: pd.DataFrame) -> list[dict]:
    cols = list(frame.columns)
    return [{c: _clean(v) for c, v in zip(cols, row)} for row in frame.itertuples(index=False, name=None)]


def create_app(runs: str | Path, store: Store, limits: Limits = Limits()) -> FastAPI:
    """The port's application (run it with uvicorn; ``innoscore serve`` does)."""
    from innoscore.serve.page import page_html

    from innoscore.matching.products import load_products

    from innoscore.indicators import load_catalog
    from innoscore.matching.fields import VALUE_LABELS

    products = load_products()
    product_names = {p.id: (p.name_zh, p.name_en) for p in products.products}
    owner_kinds = {code: o.kind for code, o in products.owners.items()}
    catalog = load_catalog()
    labels = {"zh": {**{i: catalog[i].name_zh for i in catalog.ids}, **{k: v[0] for k, v in VALUE_LABELS.items()}},
              "en": {**{i: i.replace("_", " ") for i in catalog.ids}, **{k: v[1] for k, v in VALUE_LABELS.items()}}}
    months = _Months(Path(runs))
    buckets: dict[str, _Bucket] = {}
    pages: OrderedDict[tuple, tuple[bytes, int]] = OrderedDict()
    pages_lock = threading.Lock()
    pages_building: dict[tuple, threading.Lock] = {}
    bucket_lock = threading.Lock()
    app = FastAPI(title="innoscore data port", version="1",
                  description="Each bank or fund pulls its own shortlists and enterprise details, and reports back "
                              "its decisions on the enterprises it was sent. Authenticate with your API key: "
                              "`Authorization: Bearer KEY` (or `X-API-Key: KEY`).")

    def authorise(request: Request) -> KeyInfo:
        info, why = store.authenticate(_key_of(request))
        if info is not None:
            request.state.key = info
        if why != "ok":
            text = {"missing": "an API key is required (Authorization: Bearer KEY)", "unknown": "the API key is not valid",
                    "revoked": "the API key was revoked", "expired": "the API key has expired"}[why]
            raise PortError(401, text)
        now = time.monotonic()
        with bucket_lock:
            b = buckets.setdefault(info.key_id, _Bucket(float(limits.burst), now))
            b.tokens = min(float(limits.burst), b.tokens + (now - b.at) * limits.rate)
            b.at = now
            if b.tokens < 1:
                raise PortError(429, f"more than {limits.rate:g} requests a second with this key; slow down")
            b.tokens -= 1
        return info

    @app.middleware("http")
    async def guard(request: Request, call_next):
        request.state.key = None
        request.state.rows = None
        request.state.month = None
        size = request.headers.get("content-length")
        try:
            too_big = size is not None and int(size) > limits.max_body
        except ValueError:
            too_big = True
        if too_big:
            response = JSONResponse({"error": f"the request body is larger than {limits.max_body:,} bytes"}, 413)
        else:
            try:
                response = await call_next(request)
            except Exception as exc:  # noqa: BLE001 - answered as JSON, never a traceback to the caller
                refused = _refusal(exc)  # raised where no handler sees it (a body over the limit, read in chunks)
                if refused is not None:
                    response = JSONResponse({"error": refused.message}, refused.status)
                else:  # a bug: logged for the operator
                    log.exception("request failed: %s %s", request.method, request.url.path)
                    response = JSONResponse({"error": "internal error; the operator has the details"}, 500)
        path = request.url.path
        if path.startswith("/v1/"):
            key: KeyInfo | None = request.state.key
            try:
                store.audit(key.key_id if key else None, key.owner if key else None, request.method,
                            path + (f"?{request.url.query}" if request.url.query else ""), request.state.month,
                            request.state.rows, response.status_code)
            except Exception:  # noqa: BLE001 - the answer stands; the failure is logged
                log.exception("audit row not written")
        return response

    @app.exception_handler(PortError)
    async def port_error(request: Request, exc: PortError):
        return JSONResponse({"error": exc.message}, exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return JSONResponse({"error": str(exc.detail) if exc.status_code != 404 else "not found"}, exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        where = "; ".join(f"{'.'.join(str(x) for x in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()[:5])
        return JSONResponse({"error": f"bad request: {where}"}, 422)

    def owner_month(request: Request, month: str) -> tuple[KeyInfo, _Month]:
        if MONTH.fullmatch(month):  # the audit says which month was asked for, refused or not
            request.state.month = month
        key = authorise(request)
        return key, months.get(month)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page(lang: str = "zh"):
        return HTMLResponse(page_html("en" if lang == "en" else "zh"))

    @app.get("/v1/months", summary="The published months and your shortlisted rows in each")
    def list_months(request: Request):
        key = authorise(request)
        out = []
        for name in months.names():
            as_of = json.loads((months.runs / name / "manifest.json").read_text(encoding="utf-8")).get("as_of", "")
            rows = months.summary(name).get(key.owner, (0, set()))[0]
            out.append({"month": name, "as_of": as_of, "rows": rows})
        request.state.rows = len(out)
        return {"owner": key.owner, "months": out}

    @app.get("/v1/months/{month}/shortlists", summary="Your shortlists of a month: JSON pages, or your csv / xlsx file")
    async def shortlists(request: Request, month: str, product: str | None = None, page: int = 1, size: int = 1000,
                         format: str = "json"):
        if MONTH.fullmatch(month):
            request.state.month = month
        key = authorise(request)
        m = months.cached(month) or await run_in_threadpool(months.get, month)
        if format in ("csv", "xlsx"):
            path = months.runs / month / "shortlists" / f"{key.owner}.{format}"
            if not path.is_file():
                raise PortError(404, f"no {format} file of yours in {month}")
            request.state.rows = int((m.shortlists["owner"] == key.owner).sum())
            return FileResponse(path, filename=f"{key.owner}_{month}.{format}")
        if format != "json":
            raise PortError(422, "format must be json, csv or xlsx")
        if page < 1 or not 1 <= size <= MAX_PAGE:
            raise PortError(422, f"page must be 1 or more and size from 1 to {MAX_PAGE}")
        cache_key = (month, m.stamp, key.owner, product, page, size)
        with pages_lock:
            cached = pages.get(cache_key)
        if cached is None:  # built in a worker thread: the event loop keeps serving the pages it has
            cached = await run_in_threadpool(cached_page, cache_key, key, m)
        request.state.rows = cached[1]  # a month never changes once published: its pages are kept, serialised
        return Response(cached[0], media_type="application/json")

    def cached_page(cache_key: tuple, key: KeyInfo, m: _Month) -> tuple[bytes, int]:
        month, _, _, product, page, size = cache_key
        with pages_lock:
            building = pages_building.setdefault(cache_key, threading.Lock())
        with building:  # one request builds a page; the others asking for it at once wait for it
            with pages_lock:
                cached = pages.get(cache_key)
            if cached is None:
                cached = build_page(key, m, month, product, page, size)
                with pages_lock:
                    pages[cache_key] = cached
                    pages_building.pop(cache_key, None)
                    while len(pages) > 512:
                        pages.popitem(last=False)
        return cached

    def build_page(key: KeyInfo, m: _Month, month: str, product: str | None, page: int,
                   size: int) -> tuple[bytes, int]:
        rows = m.shortlists[m.shortlists["owner"] == key.owner]
        if product is not None:
            rows = rows[rows["product"] == product]
        total = len(rows)
        part = rows.iloc[(page - 1) * size: page * size]
        ent = m.enterprises.reindex(part["enterprise_id"])
        pts = m.points.reindex(part["enterprise_id"])
        sc = m.scores.reindex(part["enterprise_id"])
        frame = pd.DataFrame({
            "product": part["product"].to_numpy(),
            "product_zh": part["product"].map(lambda p: product_names.get(p, (p, p))[0]).to_numpy(),
            "product_en": part["product"].map(lambda p: product_names.get(p, (p, p))[1]).to_numpy(),
            "rank": part["rank"].to_numpy(),
            "enterprise_id": part["enterprise_id"].to_numpy(), "name": ent["name"].to_numpy(),
            "city": ent["city"].to_numpy(), "county": ent["county"].to_numpy(), "park": ent["park"].to_numpy(),
            "industry": ent["industry"].to_numpy(), "stage": ent["stage"].to_numpy(),
            "points": pts["total"].to_numpy(), "pd": sc["pd"].to_numpy(), "score": sc["score"].to_numpy(),
            "grade": sc["grade"].to_numpy(), "suggested_amount": part["suggested_amount"].to_numpy(),
            "why_zh": part["why_zh"].to_numpy(), "why_en": part["why_en"].to_numpy()})
        body = json.dumps({"owner": key.owner, "month": month, "product": product, "page": page, "size": size,
                           "total": total, "rows": _records(frame)}, ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8")
        return body, len(frame)

    @app.get("/v1/months/{month}/enterprises/{enterprise_id}",
             summary="One enterprise that consents to you: points, PD, score, grade, reasons, checks, your products")
    def enterprise(request: Request, month: str, enterprise_id: str):
        key, m = owner_month(request, month)
        if not ENTERPRISE.fullmatch(enterprise_id) or enterprise_id not in m.enterprises.index:
            raise PortError(404, "not found")
        ent = m.enterprises.loc[enterprise_id]
        if key.owner not in str(ent["consent"] or "").split(";"):
            raise PortError(404, "not found")  # the same answer as an unknown id: nothing is hinted
        from innoscore.points.certification import summarise
        from innoscore.points.engine import CONTRIBUTION_PREFIX

        pts = m.points.loc[enterprise_id]
        sc = m.scores.loc[enterprise_id] if enterprise_id in m.scores.index else None
        reasons = [sc[c] for c in sc.index if c.startswith("reason_") and isinstance(sc[c], str)] \
            if sc is not None else []
        import pyarrow.parquet as pq

        checks = pq.read_table(months.runs / month / "certification_checks.parquet",
                               filters=[("enterprise_id", "=", enterprise_id)]).to_pandas()
        for c in checks.columns:  # the file's dictionaries hold the province's categories: plain values for a few rows
            if isinstance(checks[c].dtype, pd.CategoricalDtype):
                checks[c] = checks[c].astype(object)
        summary = summarise(checks) if len(checks) else pd.DataFrame(columns=["check", "result", "holds", "flag",
                                                                             "reasons"])
        mine = m.shortlists[(m.shortlists["owner"] == key.owner) & (m.shortlists["enterprise_id"] == enterprise_id)]
        mine = mine.assign(product_zh=mine["product"].map(lambda p: product_names.get(p, (p, p))[0]),
                           product_en=mine["product"].map(lambda p: product_names.get(p, (p, p))[1]))
        request.state.rows = 1
        return {
            "month": month, "enterprise_id": enterprise_id,
            **{c: _clean(ent[c]) for c in ("name", "city", "county", "park", "industry", "stage")},
            "points": {"total": _clean(pts["total"]), "percentile": _clean(pts["percentile"]),
                       **{g: _clean(pts[g]) for g in ("technology", "growth", "auxiliary", "bonus", "penalty")},
                       "indicators": {c[len(CONTRIBUTION_PREFIX):]: _clean(pts[c]) for c in pts.index
                                      if c.startswith(CONTRIBUTION_PREFIX)}},
            "pd": _clean(sc["pd"]) if sc is not None else None, "score": _clean(sc["score"]) if sc is not None else None,
            "grade": _clean(ent["grade"]),
            **{f"reasons_{lang}": ("；" if lang == "zh" else "; ").join(
                m.reason_texts.get(code, (code, code))[k] for code in reasons) or None
               for k, lang in enumerate(("zh", "en"))},
            "checks": _records(summary[[c for c in ("check", "result", "holds", "flag", "reasons") if c in summary]]
                               .astype(object)),
            "products": _records(mine[["product", "product_zh", "product_en", "rank", "suggested_amount"]]),
            "labels": {lang: {k: v for k, v in names.items() if k in pts.index.str.replace(CONTRIBUTION_PREFIX, "")
                              or k in set(summary.get("check", ()))} for lang, names in labels.items()},
            "first_loan_candidate": enterprise_id in m.first_loan,
        }

    @app.post("/v1/outcomes", summary="Report your decisions: JSON {\"rows\": [...]} or an uploaded csv / xlsx file")
    async def outcomes(request: Request):
        from innoscore.serve.outcomes import UploadError, check_outcomes, read_upload

        key = authorise(request)
        if owner_kinds.get(key.owner) != "bank":
            raise PortError(403, f"{key.owner} is not a bank: only banks report loan outcomes")
        kind = request.headers.get("content-type", "")
        try:
            if kind.startswith("multipart/form-data"):
                form = await request.form()
                upload = form.get("file")
                if upload is None or not hasattr(upload, "read"):
                    raise UploadError("a multipart upload needs a field named file")
                frame = read_upload(await upload.read(), upload.filename or "upload.csv")
                source = upload.filename or "upload"
            elif kind.startswith("application/json"):
                try:
                    body = json.loads(await request.body())
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    raise UploadError(f"malformed JSON: {exc}") from None
                frame = read_upload(b"", rows=body.get("rows") if isinstance(body, dict) else body)
                source = "JSON rows"
            elif kind.startswith("text/csv"):
                frame = read_upload(await request.body(), "upload.csv")
                source = "CSV body"
            else:
                raise UploadError("send JSON {\"rows\": [...]}, a text/csv body, or a multipart form with a file")
        except UploadError as exc:
            raise PortError(422, str(exc)) from None
        request.state.rows = len(frame)

        def check_and_store():  # in a worker thread: the event loop keeps serving meanwhile
            sent = set().union(*(months.summary(n).get(key.owner, (0, set()))[1] for n in months.names()))
            report, typed = check_outcomes(frame, key.owner, sent, source=source)
            if not report.ok:
                return report, None
            try:
                return report, store.add_outcomes(key.owner, key.key_id, typed)
            except UsageError as exc:
                raise PortError(409, str(exc)) from None

        report, counts = await run_in_threadpool(check_and_store)
        if counts is None:
            return JSONResponse({"ok": False, "stored": 0, "already": 0, "report": report.to_dict(),
                                 "text": report.to_text()}, 422)
        return {"ok": True, "stored": counts[0], "already": counts[1], "report": report.to_dict()}

    return BodyLimit(app, limits.max_body)
