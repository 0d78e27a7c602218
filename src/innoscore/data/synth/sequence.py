"""The order of generation: each step needs what the ones before it left on the world.

enterprises -> yearly state -> equity (valuation) -> penalties -> certifications (they lower the risk)
-> hazard and failures -> financials (none after failing) -> IP (core inventions before the first
certificates) -> projects -> awards (platforms before the first 小巨人 certificates) -> insurance ->
loans (they end at failure) -> ground truth.

With numbers edited away from the shipped file, each input table is checked against the data contract
as it is generated, and a table that breaks it is refused (ConfigError) before anything is written.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
import pandas as pd

from innoscore.certification_rules import load_certification_rules
from innoscore.config import ConfigError, load_yaml
from innoscore.data.contract import TABLES
from innoscore.data.schemas import DTYPES
from innoscore.data.synth import (accounts, awards, certifications, enterprises, equity, insurance, ip, loans,
                                  penalties, projects, risk)
from innoscore.data.synth.arrays import days
from innoscore.data.synth.behaviour import BEHAVIOUR_FILE, is_shipped, load_behaviour
from innoscore.data.synth.spec import SynthSpec
from innoscore.data.synth.world import World

__all__ = ["stream", "generate", "PROVINCE_FILE"]

PROVINCE_FILE = "synthetic/province.yaml"


def stream(spec: SynthSpec, province: dict | None = None, certifications: dict | None = None,
           behaviour: dict | None = None) -> Iterator[tuple[str, str, pd.DataFrame]]:
    """Yield ``("input" | "truth", name, frame)`` one table at a time, so that a caller can
    write each and let it go (a province of 10^6 enterprises does not fit twice in memory)."""
    behaviour = load_behaviour(behaviour)
    province = province or load_yaml(PROVINCE_FILE)
    industries = {i["code"] for i in province["industries"]}
    unknown = [c for c in behaviour["insurance"]["industries"] if c not in industries]
    if unknown:
        raise ConfigError(f"{BEHAVIOUR_FILE}: insurance.industries: {', '.join(unknown)} not among the province's "
                          f"industries ({', '.join(sorted(industries))})")
    world = World(spec, province, certifications or load_certification_rules(), behaviour)
    # the shipped numbers are tested to give a valid province; edited ones are checked table by table
    check = not is_shipped(behaviour)
    steps = _steps(world)
    while True:
        try:
            item = next(steps)
        except StopIteration:
            return
        except (ValueError, TypeError, OverflowError, FloatingPointError, ZeroDivisionError) as exc:
            if not check:  # the shipped numbers are tested to generate: this is a bug, not a setting
                raise
            # numbers edited to extremes can make a draw impossible
            raise ConfigError(f"{BEHAVIOUR_FILE} (or the behaviour given): these numbers cannot generate a "
                              f"province; step {world.step} failed: {exc}") from exc
        if check and item[0] == "input":
            _check_table(item[1], item[2], spec)
        yield item
        del item  # the caller has written the table: let it go before the next one is made


def _steps(world: World) -> Iterator[tuple[str, str, pd.DataFrame]]:
    world.step = "enterprises"
    table = enterprises.enterprises(world)
    world.step = "accounts"
    accounts.yearly_state(world)
    world.step = "equity"
    rounds = equity.equity_rounds(world)
    table["valuation"] = world.valuation
    yield "input", "enterprises", conform("enterprises", table)
    del table
    yield "input", "equity_rounds", conform("equity_rounds", rounds)
    del rounds
    world.step = "penalties"
    yield "input", "penalties", conform("penalties", penalties.penalties(world))
    world.step = "certifications"
    certs = certifications.certifications(world)  # certificates lower the risk: decide them before the hazard
    world.step = "risk"
    risk.hazard(world)
    risk.failures(world)
    # a failed enterprise gets no certificate afterwards
    fail_day = world.fail_day[_index_of(world.ids, certs["enterprise_id"].to_numpy())]
    keep = days(certs["issued_on"].to_numpy()) <= fail_day
    yield "input", "certifications", conform("certifications", certs[keep])
    del certs, keep, fail_day
    world.step = "financials"
    yield "input", "financials", conform("financials", accounts.financials(world))
    accounts.drop_state(world, keep=("revenue",))
    world.step = "ip"
    yield "input", "ip_rights", conform("ip_rights", ip.ip_rights(world))
    world.step = "projects"
    yield "input", "projects", conform("projects", projects.projects(world))
    world.step = "awards"
    yield "input", "awards", conform("awards", awards.awards(world))
    world.step = "insurance"
    yield "input", "insurance_policies", conform("insurance_policies", insurance.insurance_policies(world))
    world.step = "loans"
    book = conform("loans", loans.loans(world))
    yield "input", "loans", book
    accounts.drop_state(world, keep=())
    world.step = "risk (the ground truth)"
    truth = risk.truth(world, book)
    del book
    for name in list(truth):
        yield "truth", name, truth.pop(name)


def generate(spec: SynthSpec, province: dict | None = None, certifications: dict | None = None,
             behaviour: dict | None = None) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Generate the input tables and the ground truth, in memory.

    Returns ``(tables, truth)``: ``tables`` in the contract's order; ``truth`` holds
    ``loan_months`` (true PDs of every loan-month) and ``enterprises`` (latent traits).
    ``province``, ``certifications`` and ``behaviour`` default to ``synthetic/province.yaml``,
    ``features/certifications.yaml`` and ``synthetic/behaviour.yaml``.
    """
    tables: dict[str, pd.DataFrame] = {}
    truth: dict[str, pd.DataFrame] = {}
    for kind, name, frame in stream(spec, province, certifications, behaviour):
        (tables if kind == "input" else truth)[name] = frame
    return {name: tables[name] for name in TABLES}, truth


def _check_table(name: str, frame: pd.DataFrame, spec: SynthSpec) -> None:
    """Refuse a table that edited numbers made break the data contract, naming its problems."""
    from innoscore.data.validation import validate_table

    report, _ = validate_table(frame, name, spec.extracted_on, f"the generated {name}")
    if not report.ok:
        lines = [f"{p.column or '-'}: {p.check} (expected {p.expected}; {p.count:,} rows"
                 + (f", e.g. row {p.examples[0][0]}: {p.examples[0][1]}" if p.examples else "") + ")"
                 for p in report.errors[:5]]
        raise ConfigError(f"{BEHAVIOUR_FILE} (or the behaviour given): with these numbers the generated {name} "
                          f"table breaks the data contract: " + "; ".join(lines))


def conform(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Columns in contract order and dtype."""
    out = {}
    for col in TABLES[name].columns:
        s = frame[col.name] if col.name in frame else pd.Series(None, index=frame.index, dtype=object)
        out[col.name] = s.astype(DTYPES[col.kind])
    return pd.DataFrame(out).reset_index(drop=True)


def _index_of(ids: np.ndarray, values: np.ndarray) -> np.ndarray:
    order = np.argsort(ids, kind="stable")
    return order[np.searchsorted(ids, values, sorter=order)]
