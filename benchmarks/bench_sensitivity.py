"""Speed of the analysts' stability analysis: the Monte Carlo of the points ranking.

Target (issue 13): 1000 draws x 10^5 enterprises <= 30 s on 2 cores.

    .venv/bin/python benchmarks/bench_sensitivity.py [--enterprises 100000] [--draws 1000]

Indicator tables are made by resampling the demo-sized synthetic province's indicators (not timed),
with PD drawn at random to break equal points.  Timed: ``monte_carlo`` with Dirichlet weight noise
and the catalog's tiers as plain top-N levels (10/100/1000/10000) plus five points thresholds; then
the same with the scoring choices perturbed too (reference values ±20 %, log indicators scored
capped-linear half the time), and the Sobol indices of the three weight groups (128 base samples).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from _measure import machine, peak_gb, reset_peak

from innoscore.data.synth import SynthSpec, synthesize
from innoscore.data.validation import load
from innoscore.indicators import build
from innoscore.points import load_points_config, prepare
from innoscore.points.sensitivity import monte_carlo, sobol

THRESHOLDS = {"45": 45.0, "50": 50.0, "55": 55.0, "60": 60.0, "65": 65.0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--enterprises", type=int, default=100_000)
    ap.add_argument("--draws", type=int, default=1000)
    args = ap.parse_args()
    print(machine())
    cfg = load_points_config()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "p"
        spec = SynthSpec(enterprises=20_000, seed=7)
        synthesize(spec, folder)
        base = build(load(folder), spec.extracted_on, cfg.catalog)
    rng = np.random.default_rng(0)
    n = args.enterprises
    table = base.iloc[rng.integers(0, len(base), n)].copy()
    table.index = [f"E{i:07d}" for i in range(n)]
    table.index.name = "enterprise_id"
    prep = prepare(table, cfg, spec.extracted_on)
    pd_values = rng.uniform(0.001, 0.2, n)

    reset_peak()
    t0 = time.perf_counter()
    result = monte_carlo(prep, draws=args.draws, noise=0.1, thresholds=THRESHOLDS, pd_values=pd_values)
    t_weights = time.perf_counter() - t0
    verdict = "ok" if t_weights <= 30 or (n, args.draws) != (100_000, 1000) else "MISSED"
    print(f"{args.draws:,} draws x {n:,} enterprises, weights (Dirichlet, noise 0.1): {t_weights:5.1f} s, "
          f"peak {peak_gb():.2f} GB (target <= 30 s for 1000 x 100,000) [{verdict}]")
    widths = result.enterprises["rank_high"] - result.enterprises["rank_low"]
    print(f"    median 5-95% rank band {widths.median():,.0f} places; on the top-1000 boundary "
          f"{len(result.boundary('top_1000')):,} enterprises")
    t0 = time.perf_counter()
    monte_carlo(prep, draws=args.draws, noise=0.1, references=0.2, linear_share=0.5, thresholds=THRESHOLDS,
                pd_values=pd_values)
    print(f"{args.draws:,} draws x {n:,} enterprises, weights and scoring choices: "
          f"{time.perf_counter() - t0:5.1f} s (no target)")
    t0 = time.perf_counter()
    table = sobol(prep, samples=128, pd_values=pd_values)
    print(f"Sobol indices of the 3 weight groups, 128 x 5 evaluations: {time.perf_counter() - t0:5.1f} s (no target)")
    print(table.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
