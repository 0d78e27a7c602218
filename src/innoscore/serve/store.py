"""The data port's database: API keys (hashes only), the append-only audit, and the banks' outcomes.

Any SQLAlchemy URL works (``sqlite:///port.db`` by default, zero set-up; a PostgreSQL URL replaces
it without code changes).  Tables are created on first use.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from innoscore.errors import UsageError

__all__ = ["Store", "KeyInfo", "KEY_PREFIX", "OUTCOME_COLUMNS", "DECISIONS", "format_keys"]

KEY_PREFIX = "isk_"
DECISIONS = ("approved", "declined", "withdrawn")
# what a bank reports per decision; the loan columns follow the loans contract (bank = the key's owner)
OUTCOME_COLUMNS = ("loan_id", "enterprise_id", "decision", "product", "amount", "rate", "signed_on",
                   "originated_on", "maturity_on", "collateral", "defaulted_on", "repaid_on")

_meta = sa.MetaData()
_keys = sa.Table(
    "api_keys", _meta,
    sa.Column("key_id", sa.String(16), primary_key=True),
    sa.Column("owner", sa.String(64), nullable=False, index=True),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_on", sa.Date, nullable=True),
    sa.Column("revoked_at", sa.DateTime, nullable=True),
    sa.Column("note", sa.String(200), nullable=True),
)
_audit = sa.Table(
    "audit", _meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("key_id", sa.String(16), nullable=True),
    sa.Column("owner", sa.String(64), nullable=True, index=True),
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("route", sa.String(300), nullable=False),
    sa.Column("month", sa.String(7), nullable=True),
    sa.Column("rows", sa.Integer, nullable=True),
    sa.Column("status", sa.Integer, nullable=False),
)
_outcomes = sa.Table(
    "outcomes", _meta,
    sa.Column("bank", sa.String(64), primary_key=True),
    sa.Column("loan_id", sa.String(100), primary_key=True),
    sa.Column("enterprise_id", sa.String(18), nullable=False, index=True),
    sa.Column("decision", sa.String(16), nullable=False),
    sa.Column("product", sa.String(100), nullable=True),
    sa.Column("amount", sa.Float, nullable=True),
    sa.Column("rate", sa.Float, nullable=True),
    sa.Column("signed_on", sa.Date, nullable=True),
    sa.Column("originated_on", sa.Date, nullable=True),
    sa.Column("maturity_on", sa.Date, nullable=True),
    sa.Column("collateral", sa.String(32), nullable=True),
    sa.Column("defaulted_on", sa.Date, nullable=True),
    sa.Column("repaid_on", sa.Date, nullable=True),
    sa.Column("received_at", sa.DateTime, nullable=False),
    sa.Column("key_id", sa.String(16), nullable=False),
)


@dataclass(frozen=True)
class KeyInfo:
    key_id: str
    owner: str
    created_at: dt.datetime
    expires_on: dt.date | None
    revoked_at: dt.datetime | None
    note: str | None

    def state(self, today: dt.date) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_on is not None and self.expires_on < today:
            return "expired"
        return "active"


def format_keys(keys: list[KeyInfo], today: dt.date) -> str:
    """The keys as a table: id, owner, state on ``today``, created, expires, note (never the secret)."""
    lines = [f"{'key':<14}{'owner':<18}{'state':<9}{'created':<21}{'expires':<12}note"]
    for k in keys:
        lines.append(f"{k.key_id:<14}{k.owner:<18}{k.state(today):<9}{k.created_at.isoformat(' '):<21}"
                     f"{k.expires_on.isoformat() if k.expires_on else '-':<12}{k.note or ''}")
    return "\n".join(lines)


def _sqlite_pragmas(connection, _record) -> None:
    """Write-ahead log (readers never wait for the audit's writer) and commits without a disk flush each:
    a power cut may lose the last moments of audit rows, never corrupt the file."""
    cur = connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


class Store:
    """The port's database at ``url`` (an SQLAlchemy URL, or a path to an SQLite file)."""

    def __init__(self, url: str | Path):
        url = str(url)
        self.writing = threading.Lock()  # this process's writers take turns (SQLite's own waits back off in sleeps)
        if "://" not in url:
            url = f"sqlite:///{Path(url).resolve()}"
        self.url = url
        try:
            if url.startswith("sqlite:///"):
                Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
            self.engine = sa.create_engine(url, future=True)
            if url.startswith("sqlite"):
                sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            _meta.create_all(self.engine)
        except (sa.exc.SQLAlchemyError, OSError, ValueError) as exc:
            raise UsageError(f"the port's database {url} cannot be opened: {exc}") from None

    # ---------------------------------------------------------------------------------------- keys

    def add_key(self, owner: str, expires_on: dt.date | None = None, note: str | None = None) -> tuple[str, str]:
        """A new key for ``owner``: ``(key_id, secret)``.  Only the secret's hash is stored; the secret is
        shown once."""
        key_id = secrets.token_hex(6)
        secret = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        with self.engine.begin() as c:
            c.execute(_keys.insert().values(key_id=key_id, owner=owner, key_hash=_hash(secret), created_at=_now(),
                                            expires_on=expires_on, note=note))
        return key_id, secret

    def keys(self, owner: str | None = None) -> list[KeyInfo]:
        q = sa.select(_keys).order_by(_keys.c.owner, _keys.c.created_at)
        if owner is not None:
            q = q.where(_keys.c.owner == owner)
        with self.engine.connect() as c:
            return [KeyInfo(r.key_id, r.owner, r.created_at, r.expires_on, r.revoked_at, r.note)
                    for r in c.execute(q)]

    def revoke(self, key_id_or_owner: str) -> int:
        """Revoke one key (by id) or every active key of an owner; the number revoked."""
        with self.engine.begin() as c:
            r = c.execute(_keys.update().where(
                sa.or_(_keys.c.key_id == key_id_or_owner, _keys.c.owner == key_id_or_owner),
                _keys.c.revoked_at.is_(None)).values(revoked_at=_now()))
            return r.rowcount

    def authenticate(self, secret: str | None, today: dt.date | None = None) -> tuple[KeyInfo | None, str]:
        """The key a secret belongs to and why it is refused: ``(info, "ok" | "missing" | "unknown" |
        "revoked" | "expired")``.  The hash is compared in constant time."""
        if not secret:
            return None, "missing"
        parts = secret.split("_")
        if not secret.startswith(KEY_PREFIX) or len(parts) < 3 or len(secret) > 200:
            return None, "unknown"
        with self.engine.connect() as c:
            row = c.execute(sa.select(_keys).where(_keys.c.key_id == parts[1])).first()
        if row is None or not hmac.compare_digest(row.key_hash, _hash(secret)):
            return None, "unknown"
        info = KeyInfo(row.key_id, row.owner, row.created_at, row.expires_on, row.revoked_at, row.note)
        state = info.state(today or dt.date.today())
        return info, "ok" if state == "active" else state

    # --------------------------------------------------------------------------------------- audit

    def audit(self, key_id: str | None, owner: str | None, method: str, route: str, month: str | None,
              rows: int | None, status: int) -> None:
        with self.writing, self.engine.begin() as c:
            c.execute(_audit.insert().values(at=_now(), key_id=key_id, owner=owner, method=method, route=route[:300],
                                             month=month, rows=rows, status=status))

    def audit_rows(self, owner: str | None = None, limit: int = 100) -> pd.DataFrame:
        q = sa.select(_audit).order_by(_audit.c.id.desc()).limit(limit)
        if owner is not None:
            q = q.where(_audit.c.owner == owner)
        with self.engine.connect() as c:
            rows = c.execute(q).mappings().all()
        out = pd.DataFrame(rows, columns=[col.name for col in _audit.columns]).iloc[::-1].reset_index(drop=True)
        return out.astype({"rows": "Int64", "status": "int64"})

    # ------------------------------------------------------------------------------------ outcomes

    def add_outcomes(self, bank: str, key_id: str, frame: pd.DataFrame) -> tuple[int, int]:
        """Store checked outcome rows of ``bank``; rows whose (bank, loan id) is stored already are left as
        they are.  Returns ``(stored, already)``; all in one transaction."""
        if not len(frame):
            return 0, 0
        ids = frame["loan_id"].astype(str).tolist()
        with self.writing, self.engine.begin() as c:
            known = set()
            for start in range(0, len(ids), 500):
                known |= set(c.execute(sa.select(_outcomes.c.loan_id).where(
                    _outcomes.c.bank == bank, _outcomes.c.loan_id.in_(ids[start:start + 500]))).scalars())
            new = frame[~frame["loan_id"].astype(str).isin(known)]
            if len(new):
                now = _now()
                records = []
                for r in new.to_dict("records"):
                    rec = {k: _plain(r.get(k)) for k in OUTCOME_COLUMNS}
                    rec.update(bank=bank, key_id=key_id, received_at=now)
                    records.append(rec)
                try:
                    c.execute(_outcomes.insert(), records)
                except sa.exc.IntegrityError:  # another process stored some of them in between
                    raise UsageError("some of these rows were stored by another upload at the same moment; send "
                                     "the file again (what is stored already is left as it is)") from None
        return len(new), len(frame) - len(new)

    def outcomes(self, bank: str | None = None) -> pd.DataFrame:
        q = sa.select(_outcomes).order_by(_outcomes.c.bank, _outcomes.c.loan_id)
        if bank is not None:
            q = q.where(_outcomes.c.bank == bank)
        with self.engine.connect() as c:
            rows = c.execute(q).mappings().all()
        return pd.DataFrame(rows, columns=[col.name for col in _outcomes.columns])

    def export_feedback(self, path: str | Path) -> tuple[int, dict[str, int]]:
        """Write :meth:`feedback_loans` to ``path`` (``.parquet`` or ``.csv``, replaced whole): ``(loans written,
        decisions stored by kind)``."""
        from innoscore.io import write_parquet_atomic, write_text_atomic

        path = Path(path)
        loans = self.feedback_loans()
        if path.suffix == ".parquet":
            write_parquet_atomic(loans, path)
        elif path.suffix == ".csv":
            write_text_atomic(path, loans.to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\n"))
        else:
            raise UsageError(f"{path}: the file name must end in .parquet or .csv")
        return len(loans), {k: int(v) for k, v in sorted(self.outcomes()["decision"].value_counts().items())}

    def feedback_loans(self) -> pd.DataFrame:
        """The approved outcomes as rows of the loans table (the contract's columns; bank = the owner, loan id
        ``BANK:ID``)."""
        out = self.outcomes()
        out = out[out["decision"] == "approved"]
        frame = pd.DataFrame({  # the bank's id behind its code: unique among every bank's loans, as the contract wants
            "loan_id": out["bank"].astype(str) + ":" + out["loan_id"].astype(str),
            "enterprise_id": out["enterprise_id"].astype(str),
            "bank": out["bank"].astype(str), "product": out["product"].astype(object),
            "amount": out["amount"].astype("float64"), "rate": out["rate"].astype("float64"),
        })
        for col in ("signed_on", "originated_on", "maturity_on", "defaulted_on", "repaid_on"):
            frame[col] = pd.to_datetime(out[col]).astype("datetime64[ns]")
        frame["collateral"] = out["collateral"].astype(object)
        return frame.reset_index(drop=True)


def is_missing(v) -> bool:
    """None, NaN, NaT or pandas' NA; False for anything pd.isna cannot judge (a list, a dict)."""
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _plain(v):
    """A value as the database takes it: missing values as None, Timestamps as dates."""
    if is_missing(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    return v
