"""Speed of re-scoring innovation points with a new weight set, for analysts.

Targets (issue 4): once indicators exist, re-scoring 10^5 enterprises with new weights
<= 100 ms, 10^6 <= 1 s.

    .venv/bin/python benchmarks/bench_points.py

Indicator tables are made by resampling the demo-sized synthetic province's indicators
(not timed). Timed: `score(prepared, new_config)`, the call an analyst makes after editing
weights (median of 7 runs), and `prepare` (scores against the reference values; only
needed again when reference values change).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from _measure import machine

from innoscore.data.synth import SynthSpec, synthesize
from innoscore.data.validation import load
from innoscore.indicators import build
from innoscore.points import load_points_config, prepare, score


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
        base = build(load(folder), spec.extracted_on, cfg.catalog)
    rng = np.random.default_rng(0)
    for n, target in ((100_000, 0.1), (1_000_000, 1.0)):
        table = base.iloc[rng.integers(0, len(base), n)].copy()
        table.index = [f"E{i:07d}" for i in range(n)]
        table.index.name = "enterprise_id"
        t_prep = _timed(lambda: prepare(table, cfg, spec.extracted_on), repeat=3)
        prep = prepare(table, cfg, spec.extracted_on)
        t_score = _timed(lambda: score(prep, new_cfg))
        verdict = "ok" if t_score <= target else "MISSED"
        print(f"{n:>9,} enterprises: re-score with new weights {t_score * 1000:7.1f} ms "
              f"(target <= {target * 1000:.0f} ms) [{verdict}]; prepare {t_prep * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
