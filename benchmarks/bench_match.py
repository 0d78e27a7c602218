"""Speed of the matcher: 10^6 enterprises against the product catalog, tiers included.

Target (issue 11): <= 20 s on this machine, PD given.

    .venv/bin/python benchmarks/bench_match.py [--enterprises 1000000] [--base 20000]

A demo-sized synthetic province is generated and run through indicators, points and the
certification checks (not timed); a PD is given by a fixed function of leverage and R&D
intensity (no model is trained).  Its population is then resampled to the target size with new
enterprise ids, keeping each enterprise's certificates, investors and consents (not timed).
Timed: the rules of every product over the whole population, the shortlists (ranking, amounts,
capacity cut, the "why" texts), the four tiers, the near misses and the first-loan work lists,
i.e. `match_population`; then, apart, writing every owner's xlsx and csv.  Peak memory is
this process's high-water mark during the timed step.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _measure import machine, peak_gb, reset_peak

from innoscore.data.synth import SynthSpec, synthesize
from innoscore.data.validation import load
from innoscore.matching.export import owner_frames, write_owner_files
from innoscore.matching.fields import Population, SetField, build_population
from innoscore.matching.match import match_population
from innoscore.matching.products import load_products
from innoscore.matching.tiers import latest_assessments
from innoscore.points import load_points_config
from innoscore.points.certification import summarise
from innoscore.points.run import points_and_checks


def given_pd(indicators: pd.DataFrame) -> pd.DataFrame:
    """A PD per enterprise, given (no model): higher with leverage, lower with R&D intensity."""
    lev = indicators["leverage"].fillna(0.6).clip(0, 3).to_numpy()
    rd = indicators["rd_intensity"].fillna(0.0).clip(0, 1).to_numpy()
    logit = -4.6 + 1.8 * lev - 6.0 * rd
    p = 1 / (1 + np.exp(-logit))
    grade = np.select([p <= 0.005, p <= 0.01, p <= 0.02, p <= 0.04, p <= 0.08, p <= 0.15],
                      list("ABCDEF"), "G")
    return pd.DataFrame({"enterprise_id": indicators.index.astype(str), "pd": p, "score": 600 - 29 * np.log(p / (1 - p)),
                         "grade": grade, "reason_1": "leverage", "reason_2": "rd_intensity", "reason_3": None})


def resample(pop: Population, n: int, seed: int = 1) -> tuple[Population, np.ndarray]:
    """A population of n enterprises drawn with replacement from ``pop``, with new ids (sorted like
    ``pop``: by id, which is the row number)."""
    pick = np.random.default_rng(seed).integers(0, len(pop), n)
    frame = pop.frame.iloc[pick].reset_index(drop=True)
    frame["enterprise_id"] = [f"91130000{i:010d}" for i in range(n)]
    sets = {}
    for name, s in pop.sets.items():
        order = np.argsort(pick, kind="stable")
        start = np.searchsorted(pick[order], s.rows, side="left")
        stop = np.searchsorted(pick[order], s.rows, side="right")
        counts = stop - start
        rows = np.concatenate([order[a:b] for a, b in zip(start, stop)]) if len(s.rows) else np.zeros(0, np.int64)
        members = np.repeat(s.members, counts)
        key = np.lexsort((members.astype(str), rows))
        sets[name] = SetField(rows[key].astype(np.int64), members[key])
    reasons = pop.reasons.iloc[pick].reset_index(drop=True)
    return Population(pop.as_of, frame, sets, pop.fields, reasons, pop.reason_texts), pick


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--enterprises", type=int, default=1_000_000)
    ap.add_argument("--base", type=int, default=20_000, help="size of the province that is resampled")
    args = ap.parse_args()
    print(machine())
    catalog = load_products()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        synthesize(SynthSpec(enterprises=args.base, seed=7), Path(tmp) / "p")
        data = load(Path(tmp) / "p")
        run = points_and_checks(data, data.extracted_on, load_points_config())
        base = build_population(data.tables, data.extracted_on, run.indicators, run.features, run.points,
                                summarise(run.checks, reasons=False), given_pd(run.indicators), catalog.fields,
                                {"leverage": ("资产负债率偏高", "leverage is high"),
                                 "rd_intensity": ("研发投入强度偏低", "R&D intensity is low")})
        projects = latest_assessments(data.tables.get("projects"), data.extracted_on)
        print(f"base province of {args.base:,} enterprises prepared in {time.perf_counter() - t0:.1f} s (not timed)")
    pop, pick = resample(base, args.enterprises)
    # the projects follow their enterprises
    old_ids = pd.Index(base.ids)
    prow = old_ids.get_indexer(projects["enterprise_id"].astype(str))
    projects = projects[prow >= 0]
    prow = prow[prow >= 0]
    order = np.argsort(pick, kind="stable")
    start = np.searchsorted(pick[order], prow, side="left")
    stop = np.searchsorted(pick[order], prow, side="right")
    new_rows = np.concatenate([order[a:b] for a, b in zip(start, stop)])
    projects = projects.iloc[np.repeat(np.arange(len(projects)), stop - start)].reset_index(drop=True)
    projects["enterprise_id"] = pop.ids[new_rows]
    projects["project_id"] = [f"P{i:09d}" for i in range(len(projects))]
    print(f"population: {len(pop):,} enterprises, {len(projects):,} assessed projects, {len(catalog.products)} "
          f"products, {len(catalog.tiers)} tiers")
    reset_peak()
    t0 = time.perf_counter()
    shortlists, tiers, first, near = match_population(pop, catalog, projects)
    seconds = time.perf_counter() - t0
    print(f"match_population (rules, shortlists, tiers, near misses, first-loan lists): {seconds:.1f} s "
          f"(target 20 s), peak {peak_gb():.2f} GB")
    print(f"  shortlisted rows {len(shortlists):,}; tiers " +
          ", ".join(f"{k} {v:,}" for k, v in tiers.groupby("tier", sort=False).size().items()) +
          f"; first-loan candidates {len(first):,}; near misses {len(near):,}")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        sheets = owner_frames(catalog, pop, shortlists, tiers)
        written = write_owner_files(Path(tmp), catalog, sheets, pop.as_of)
        size = sum(p.stat().st_size for p in written)
    print(f"writing {len(written)} owner files (xlsx + csv, {size / 1e6:.1f} MB): {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
