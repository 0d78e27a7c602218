"""The monthly run at scale: per-step time and peak memory of `innoscore run` on a synthetic province.

Targets (issue 12), training excluded: 10^5 enterprises <= 15 s; 10^6 <= 2 minutes and <= 6 GB peak.

    .venv/bin/python benchmarks/bench_run.py [--enterprises 100000 1000000]

Not timed: generating each province, and training the credit model once on a 20,000-enterprise
province, registered in an MLflow store as ``innoscore-credit@champion`` (the run resolves the alias
there, as the monthly batch does, and logs its month to the same store).  Timed, in a fresh process per size (so that its peak
memory is its own): `run_month` with `pipelines/monthly.yaml`'s settings (blocks of 100,000
enterprises), from validation to the published month and its MLflow log; each step's time and the
process's peak resident memory during the step come from the month's manifest.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from _measure import machine, run_child


def _child(data: Path, runs: Path, store: Path) -> None:
    from innoscore.run import load_monthly, run_month

    config = load_monthly().with_(data=data, runs=runs, tracking_uri=f"sqlite:///{store}")  # the champion
    t0 = time.perf_counter()
    result = run_month(None, config, say=None)
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "steps": result.manifest["steps"],
                      "rows": result.manifest["rows"]}))


def _model(folder: Path) -> Path:
    """A model store holding a credit model trained on a small province as the champion, as the monthly
    run finds it (``models:/innoscore-credit@champion``); its path."""
    from mlflow.tracking import MlflowClient

    from innoscore.credit.config import load_credit_config
    from innoscore.credit.registry import CHAMPION, train_and_register
    from innoscore.data.synth import SynthSpec, synthesize
    from innoscore.data.validation import load
    from innoscore.indicators import load_catalog

    synthesize(SynthSpec(enterprises=20_000, seed=7), folder / "train")
    store = folder / "mlflow.db"
    config = load_credit_config()
    _, _, version = train_and_register(load(folder / "train"), config, load_catalog(), f"sqlite:///{store}")
    # the alias without the promotion gates: the gates judge a model, the benchmark times the run
    MlflowClient(tracking_uri=f"sqlite:///{store}").set_registered_model_alias(config.registered_model, CHAMPION,
                                                                              version)
    return store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--enterprises", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--child", nargs=3, metavar=("DATA", "RUNS", "STORE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(*(Path(p) for p in args.child))
        return
    print(machine())
    targets = {100_000: (15, None), 1_000_000: (120, 6.0)}
    with tempfile.TemporaryDirectory(prefix="bench_run_") as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        store = _model(tmp)
        print(f"model trained on 20,000 enterprises and registered as the champion in {time.perf_counter() - t0:.0f} s "
              "(not timed)")
        from innoscore.data.synth import SynthSpec, synthesize

        for n in args.enterprises:
            data = tmp / f"p{n}"
            synthesize(SynthSpec(enterprises=n, seed=7), data)
            r = run_child(__file__, "--child", str(data), str(tmp / f"runs{n}"), str(store))
            peak = max(s["peak_gb"] for s in r["steps"])
            t_s, t_gb = targets.get(n, (None, None))
            ok = (t_s is None or r["seconds"] <= t_s) and (t_gb is None or peak <= t_gb)
            target = (f" (target {t_s} s" + (f", {t_gb:g} GB" if t_gb else "") + ")") if t_s else ""
            print(f"{n:>9,} enterprises: {r['seconds']:6.1f} s, peak {peak:.2f} GB{target}"
                  + (f"  [{'ok' if ok else 'MISSED'}]" if t_s else ""))
            width = max(len(s["step"]) for s in r["steps"])
            for s in r["steps"]:
                print(f"    {s['step']:<{width}} {s['seconds']:6.1f} s   peak {s['peak_gb']:.2f} GB")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
