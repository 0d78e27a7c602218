"""Time and peak memory of the indicator pipeline.

Targets (issue 3) on 2 cores:
  * indicators as of one date for 10^6 enterprises (~10^7 IP rows and their financials,
    projects, loans): <= 60 s and <= 6 GB;
  * a training panel of 24 month-ends x 10^5 enterprises: <= 60 s.

    .venv/bin/python benchmarks/bench_indicators.py [--enterprises 1000000] [--panel-enterprises 100000]

The data is generated first (not timed) and loaded with validation (timed, reported apart).
Each measurement runs in its own process.  Memory is the process's peak resident set while
building, which includes the loaded input tables; the peak is reset after loading (Linux
/proc/self/clear_refs), so validation's own peak is reported apart.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from _measure import machine, peak_gb, reset_peak, run_child


def _child(kind: str, folder: Path) -> None:
    import pandas as pd

    from innoscore.data.validation import load
    from innoscore.indicators import build, build_panel

    t0 = time.perf_counter()
    data = load(folder)
    t_load = time.perf_counter() - t0
    load_peak = peak_gb()
    reset = reset_peak()
    rows = {name: len(frame) for name, frame in data.tables.items()}
    t0 = time.perf_counter()
    if kind == "single":
        out = build(data, data.extracted_on)
    else:
        dates = pd.date_range(end=pd.Timestamp(data.extracted_on), periods=24, freq="ME")
        out = build_panel(data, dates)
    seconds = time.perf_counter() - t0
    peak = peak_gb() if reset else float("nan")
    print(json.dumps({"seconds": seconds, "load_seconds": t_load, "peak_gb": peak, "load_peak_gb": load_peak,
                      "rows": rows,
                      "shape": list(out.shape)}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--enterprises", type=int, default=1_000_000)
    ap.add_argument("--panel-enterprises", type=int, default=100_000)
    ap.add_argument("--child", choices=("single", "panel"), help=argparse.SUPPRESS)
    ap.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.folder)
        return
    from innoscore.data.synth import SynthSpec, synthesize

    print(machine())
    with tempfile.TemporaryDirectory(prefix="bench_ind_") as tmp:
        for kind, n, target_s, target_gb in (("single", args.enterprises, 60, 6.0),
                                             ("panel", args.panel_enterprises, 60, None)):
            folder = Path(tmp) / f"p{n}"
            if not folder.exists():
                synthesize(SynthSpec(enterprises=n, seed=7), folder)
            r = run_child(__file__, "--child", kind, "--folder", str(folder))
            what = "1 date" if kind == "single" else "24 month-ends"
            ok = r["seconds"] <= target_s and (target_gb is None or r["peak_gb"] <= target_gb)
            mem = f" (target <= {target_gb:g} GB)" if target_gb else ""
            print(f"{kind:6s} {n:>9,} enterprises x {what}: {r['seconds']:6.1f} s (target <= {target_s} s), "
                  f"peak {r['peak_gb']:.2f} GB{mem} [{'ok' if ok else 'MISSED'}]")
            print(f"       output {r['shape'][0]:,} rows x {r['shape'][1]} columns; input ip_rights "
                  f"{r['rows']['ip_rights']:,}, financials {r['rows']['financials']:,}, loans {r['rows']['loans']:,} rows; "
                  f"load+validate {r['load_seconds']:.1f} s, peak {r['load_peak_gb']:.2f} GB (not counted)")


if __name__ == "__main__":
    main()
