"""The bank data port's commands: serve it, manage its keys, read its audit, export the outcomes banks reported."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from innoscore.cli.common import EXIT_OK, date_arg, positive_int
from innoscore.errors import UsageError

__all__ = ["add_commands"]  # the commands are reached through the parser


def _store(args: argparse.Namespace):
    from innoscore.run import load_monthly
    from innoscore.serve.store import Store

    url = args.db or load_monthly().port
    if not url:
        raise UsageError("no port database: pass --db URL or set port: in pipelines/monthly.yaml")
    return Store(url)


def _owners() -> dict:
    from innoscore.matching.products import load_products

    return load_products().owners


def cmd_keys_add(args: argparse.Namespace) -> int:
    owners = _owners()
    if args.owner not in owners:
        raise UsageError(f"unknown owner {args.owner!r}; the product catalog's owners: {', '.join(sorted(owners))}")
    if args.expires is not None and args.expires < dt.date.today():
        raise UsageError(f"--expires {args.expires} is in the past")
    key_id, secret = _store(args).add_key(args.owner, args.expires, args.note)
    print(f"key {key_id} for {args.owner}" + (f", valid until {args.expires}" if args.expires else "") +
          "; the secret is shown once, only its hash is stored:")
    print(secret)
    return EXIT_OK


def cmd_keys_list(args: argparse.Namespace) -> int:
    from innoscore.serve.store import format_keys

    print(format_keys(_store(args).keys(args.owner), dt.date.today()))
    return EXIT_OK


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    n = _store(args).revoke(args.key)
    if not n:
        raise UsageError(f"no active key {args.key!r} (a key id or an owner); `innoscore keys list` shows them")
    print(f"revoked {n} key(s)")
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    import pandas as pd

    rows = _store(args).audit_rows(args.owner, args.limit)
    with pd.option_context("display.width", 200, "display.max_colwidth", 80, "display.max_rows", None):
        print(rows.astype(object).where(rows.notna(), "-").to_string(index=False) if len(rows) else
              "no requests recorded")
    return EXIT_OK


def cmd_outcomes_export(args: argparse.Namespace) -> int:
    n, decisions = _store(args).export_feedback(args.out)
    print(f"{n:,} reported loans (the loans contract's columns) written to {args.out}; decisions stored: "
          + (", ".join(f"{k} {v:,}" for k, v in decisions.items()) or "none"))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from innoscore.run import load_monthly
    from innoscore.serve.app import Limits, create_app

    runs = args.runs or load_monthly().runs
    if not Path(runs).is_dir():
        raise UsageError(f"--runs {runs} is not a folder of published months")
    app = create_app(runs, _store(args), Limits(args.max_body, args.rate, args.burst))
    print(f"serving {runs} at http://{args.host}:{args.port}/ (API docs at /docs); Ctrl-C stops")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return EXIT_OK


def _db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="URL", help="the port's database, an SQLAlchemy URL or an SQLite file "
                                               "(default: port in pipelines/monthly.yaml)")


def add_commands(sub) -> None:
    """Add this room's commands to the ``innoscore`` parser's subcommands."""
    p = sub.add_parser("serve", help="the bank data port: shortlists, enterprise details and outcome reports over HTTP",
                       description="Serve the published months to the banks and funds: each API key reads only its "
                                   "owner's shortlists and enterprises that consent to it, and reports loan outcomes "
                                   "back (POST /v1/outcomes). A web page for bank staff at /, API docs at /docs.")
    p.add_argument("--runs", type=Path, metavar="DIR", help="the published months (default: pipelines/monthly.yaml's)")
    _db_option(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=positive_int, default=8000, help="port (default 8000)")
    p.add_argument("--max-body", type=positive_int, default=20_000_000, metavar="BYTES",
                   help="largest request body accepted (default 20,000,000)")
    p.add_argument("--rate", type=positive_int, default=50, help="requests a second per key (default 50)")
    p.add_argument("--burst", type=positive_int, default=200, help="requests a key may send at once (default 200)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("keys-add", help="(written `keys add OWNER`) a new API key for a bank or fund")
    p.add_argument("owner", metavar="OWNER", help="the owner code of the product catalog, e.g. ICBC")
    p.add_argument("--expires", type=date_arg, metavar="YYYY-MM-DD", help="last day the key is valid")
    p.add_argument("--note", help="a note kept with the key (who holds it)")
    _db_option(p)
    p.set_defaults(func=cmd_keys_add)

    p = sub.add_parser("keys-list", help="(written `keys list [OWNER]`) the keys and their state")
    p.add_argument("owner", nargs="?", metavar="OWNER")
    _db_option(p)
    p.set_defaults(func=cmd_keys_list)

    p = sub.add_parser("keys-revoke", help="(written `keys revoke KEY_ID|OWNER`) revoke a key, or all of an owner's")
    p.add_argument("key", metavar="KEY_ID|OWNER")
    _db_option(p)
    p.set_defaults(func=cmd_keys_revoke)

    p = sub.add_parser("outcomes-export", help="(written `outcomes export OUT`) the loans the banks reported, as a "
                                               "loans table (the monthly run reads them from the database itself)")
    p.add_argument("out", type=Path, metavar="OUT.parquet|OUT.csv")
    _db_option(p)
    p.set_defaults(func=cmd_outcomes_export)

    p = sub.add_parser("audit", help="the data port's requests: who read what, when, and the answer")
    p.add_argument("--owner", metavar="OWNER", help="only this owner's requests")
    p.add_argument("--limit", type=positive_int, default=50, help="the latest N requests (default 50)")
    _db_option(p)
    p.set_defaults(func=cmd_audit)
