"""Speed of re-scoring innovation points with a new weight set, for analysts.

Targets (issues 4 and 13): once indicators exist, re-scoring 10^5 enterprises with new weights
<= 100 ms, 10^6 <= 200 ms (so that the notebook's sliders keep up at full scale).

    .venv/bin/python benchmarks/bench_points.py

Indicator tables are made by resampling the demo-sized synthetic province's indicators
(not timed). Timed: `score(prepared, new_config)`, the call an analyst makes after editing
weights (median of 7 runs), what a notebook slider does on each move (``WeightSliders.update``:
points, ranking, tier moves, the top of the ranking),
and `prepare` (scores against the reference values; only
needed again when reference values change).  Also measured (no target): the certification
checks of 10^6 enterprises from their features, and writing `certification_checks.parquet`
(one row per enterprise, certification and condition), with the peak memory.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _measure import machine, peak_gb, reset_peak

from innoscore.data.synth import SynthSpec, synthesize
from innoscore.data.validation import load
from innoscore.indicators import build
from innoscore.io import write_parquet_atomic
from innoscore.points import load_points_config, prepare, score
from innoscore.points.certification import check_features, run_checks
from innoscore.notebook import WeightSliders
from innoscore.points.sensitivity import Level


def _timed(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    print(machine())
    cfg = load_points_config()
    weights = {s: dict(w) for s, w in cfg.weights.items()}
    for s in weights:  # a new weight set: move 0.02 from revenue to revenue growth
        weights[s]["revenue"] -= 0.02
        weights[s]["revenue_growth"] += 0.02
    new_cfg = cfg.with_weights(weights)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "p"
        spec = SynthSpec(enterprises=50_000, seed=7)
        synthesize(spec, folder)
        data = load(folder)
        base = build(data, spec.extracted_on, cfg.catalog)
        features = check_features(data, spec.extracted_on)
        del data
    rng = np.random.default_rng(0)
    for n, target in ((100_000, 0.1), (1_000_000, 0.2)):
        table = base.iloc[rng.integers(0, len(base), n)].copy()
        table.index = [f"E{i:07d}" for i in range(n)]
        table.index.name = "enterprise_id"
        t_prep = _timed(lambda: prepare(table, cfg, spec.extracted_on), repeat=3)
        prep = prepare(table, cfg, spec.extracted_on)
        t_score = _timed(lambda: score(prep, new_cfg))
        verdict = "ok" if t_score <= target else "MISSED"
        print(f"{n:>9,} enterprises: re-score with new weights {t_score * 1000:7.1f} ms "
              f"(target <= {target * 1000:.0f} ms) [{verdict}]; prepare {t_prep * 1000:7.1f} ms")
        # what a notebook slider does on each move (WeightSliders.update): points of the new weights, the
        # ranking (equal points by PD), the members of four exclusive tiers (the first with a points gate,
        # eligibility at random) against the current ones, the top of the ranking as a table
        levels = (Level("leaders", 10, rng.random(n) < 0.05, min_points=70.0, exclusive=True),
                  Level("high_tech", 1000, rng.random(n) < 0.1, exclusive=True),
                  Level("tech_sme", 10000, rng.random(n) < 0.2, exclusive=True),
                  Level("top", 100000, None, exclusive=True))
        sliders = WeightSliders(prep, cfg, levels=levels, pd_values=rng.uniform(0, 0.2, n), stage="growth")
        moves = iter(np.tile([0.05, 0.15], 50))
        t_slider = _timed(lambda: sliders.update(revenue_growth=next(moves)))
        print(f"{'':>9}  notebook slider update (points, ranking, tier moves, top) {t_slider * 1000:7.1f} ms")
    n = 1_000_000
    table = features.iloc[rng.integers(0, len(features), n)].copy()
    table.index = pd.Index([f"E{i:07d}" for i in range(n)], name="enterprise_id")
    reset_peak()
    t0 = time.perf_counter()
    checks = run_checks(table)
    t_checks = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "certification_checks.parquet"
        t0 = time.perf_counter()
        write_parquet_atomic(checks, path)
        t_write = time.perf_counter() - t0
        size = path.stat().st_size / 1e6
    print(f"{n:>9,} enterprises: certification checks {t_checks:5.1f} s, {len(checks):,} rows; "
          f"written in {t_write:5.1f} s ({size:,.0f} MB); peak {peak_gb():.2f} GB")


if __name__ == "__main__":
    main()
