"""Time and peak memory of generating and validating the synthetic province.

Targets (issue 2) on 2 cores: 10^6 enterprises generated and written in <= 3 minutes and
<= 8 GB; validation of that data in <= 60 s.

    .venv/bin/python benchmarks/bench_synth.py                 # 10^6 enterprises
    .venv/bin/python benchmarks/bench_synth.py --enterprises 100000

Each step runs in its own process so that its peak resident memory is its own.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from _measure import machine, peak_gb, run_child


def _child(step: str, out: Path, n: int, seed: int) -> None:
    t0 = time.perf_counter()
    if step == "synth":
        from innoscore.data.synth import SynthSpec, synthesize

        synthesize(SynthSpec(enterprises=n, seed=seed), out)
        extra = {}
    else:
        from innoscore.data.validation import validate

        report = validate(out)
        extra = {"ok": report.ok, "problems": len(report.problems),
                 "rows": sum(t["rows"] or 0 for t in report.tables.values()),
                 "tables": sum(1 for t in report.tables.values() if t["rows"])}
    seconds = time.perf_counter() - t0
    print(json.dumps({"step": step, "seconds": seconds, "peak_gb": peak_gb(), **extra}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--enterprises", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--child", choices=("synth", "validate"), help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.out, args.enterprises, args.seed)
        return
    print(machine())
    with tempfile.TemporaryDirectory(prefix="bench_synth_") as tmp:
        out = Path(tmp) / "province"
        results = {}
        for step, target_s, target_gb in (("synth", 180, 8.0), ("validate", 60, None)):
            r = results[step] = run_child(__file__, "--child", step, "--out", str(out),
                                          "--enterprises", str(args.enterprises), "--seed", str(args.seed))
            verdict = "ok" if r["seconds"] <= target_s and (target_gb is None or r["peak_gb"] <= target_gb) else "MISSED"
            mem_target = f", target <= {target_gb:g} GB" if target_gb else ""
            print(f"{step:9s} {args.enterprises:>9,} enterprises: {r['seconds']:6.1f} s (target <= {target_s} s), "
                  f"peak {r['peak_gb']:.2f} GB{mem_target}  [{verdict}]")
        v = results["validate"]
        size = sum(f.stat().st_size for f in out.iterdir()) / 1024**2
        print(f"data: {v['rows']:,} rows in {v['tables']} tables, {size:,.0f} MB on disk; validation found {v['problems']} problems")


if __name__ == "__main__":
    main()
