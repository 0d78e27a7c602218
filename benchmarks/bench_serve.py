"""The data port under load, on loopback.

Targets (issue 14): 50 concurrent clients for 30 s reading 1,000-row shortlist pages: zero errors,
p99 latency <= 200 ms; ingesting 100,000 outcome rows <= 10 s.

    .venv/bin/python benchmarks/bench_serve.py [--clients 50] [--seconds 30]

Set-up (not timed): the synthetic province of the demo's size, a credit model fitted on two
indicators, one published month, a key for the bank with the longest shortlist, and the port
started as `innoscore serve` in its own process on 127.0.0.1.  The clients are threads of one process,
each with its own keep-alive connection, reading the pages of that bank's shortlist in turn (1,000 rows
a page, the month cold at the start) for the given seconds: bounded, they stop by themselves.  (An
asyncio client, httpx's, was itself the bottleneck on 2 cores: p99 in seconds at 240 requests/s.)  Then 100,000 outcome rows are posted as one
CSV file and the time to a stored answer measured.
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
from _measure import machine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _month(root: Path) -> tuple[Path, str]:
    import mlflow

    from innoscore.cli import main
    from innoscore.credit import CreditModel
    from innoscore.data.synth import SynthSpec, synthesize

    spec = SynthSpec(enterprises=20_000, seed=7)
    synthesize(spec, root / "province")
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"leverage": rng.uniform(0, 1.5, 4000), "rd_intensity": rng.uniform(0, 0.2, 4000)})
    y = (rng.random(4000) < 1 / (1 + np.exp(4 - 2.5 * X["leverage"] + 10 * X["rd_intensity"]))).astype(int)
    model = CreditModel(monotone={"leverage": 1, "rd_intensity": -1}, n_trees=0).fit(X, y)
    mlflow.sklearn.save_model(model, root / "model", serialization_format="cloudpickle")
    assert main(["run", "--data", str(root / "province"), "--runs", str(root / "runs"), "--model", str(root / "model"),
                 "--tracking-uri", f"sqlite:///{root}/mlflow.db", "--port-db", f"sqlite:///{root}/port.db",
                 "--quiet"]) == 0
    return root / "runs", spec.extracted_on.strftime("%Y-%m")


def _load(port: int, key: str, month: str, pages: int, clients: int, seconds: float) -> tuple[list, int, int]:
    """``clients`` threads, each with its own keep-alive connection, reading pages in turn until the time is up."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def one(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        page = 1 + i % pages
        mine, bad = [], 0
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            try:
                conn.request("GET", f"/v1/months/{month}/shortlists?page={page}&size=1000",
                             headers={"Authorization": f"Bearer {key}"})
                r = conn.getresponse()
                body = r.read()
                # every 20th page parsed whole; the others checked by their start (the clients share the cores)
                ok = r.status == 200 and (len(json.loads(body)["rows"]) > 0 if len(mine) % 20 == 0 else
                                          b'"rows":[{' in body[:400])
            except (OSError, http.client.HTTPException, ValueError):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(time.perf_counter() - t0)
            bad += not ok
            page = 1 + page % pages
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=one, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0], len(latencies)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    args = ap.parse_args()
    print(machine())
    from innoscore.serve.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        runs, month = _month(root)
        short = pd.read_parquet(runs / month / "shortlists" / "shortlists.parquet")
        owner = short["owner"].value_counts().index[0]
        rows = int((short["owner"] == owner).sum())
        pages = max(1, rows // 1000)
        store = Store(root / "port.db")
        key = store.add_key(owner, note="bench")[1]
        number = _free_port()
        url = f"http://127.0.0.1:{number}"
        server = subprocess.Popen([sys.executable, "-m", "innoscore.cli", "serve", "--runs", str(runs), "--db",
                                   f"sqlite:///{root}/port.db", "--port", str(number), "--rate", "100000",
                                   "--burst", "100000", "--max-body", "100000000"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            for _ in range(300):
                try:
                    if httpx.get(url + "/v1/months", headers={"Authorization": f"Bearer {key}"}).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            latencies, errors, done = _load(number, key, month, pages, args.clients, args.seconds)
            lat = np.array(latencies) * 1000
            p50, p99 = np.percentile(lat, [50, 99])
            verdict = "ok" if errors == 0 and p99 <= 200 else "MISSED"
            print(f"{args.clients} clients x {args.seconds:g} s reading {owner}'s {pages} pages of 1,000 rows "
                  f"({rows:,} rows): {done:,} requests ({done / args.seconds:,.0f}/s), {errors} errors, "
                  f"p50 {p50:.0f} ms, p99 {p99:.0f} ms (target: 0 errors, p99 <= 200 ms) [{verdict}]")
            sent = short.loc[short["owner"] == owner, "enterprise_id"].to_numpy()
            n = 100_000
            rng = np.random.default_rng(1)
            day = pd.Timestamp(month + "-01")
            upload = pd.DataFrame({"loan_id": [f"B-{i:06d}" for i in range(n)], "enterprise_id": rng.choice(sent, n),
                                   "decision": "approved", "product": "bench", "amount": rng.integers(1, 50, n) * 1e5,
                                   "rate": np.round(rng.uniform(2.5, 6, n), 2),
                                   "originated_on": (day + pd.to_timedelta(rng.integers(0, 25, n), "D")).strftime("%Y-%m-%d"),
                                   "maturity_on": "2030-12-31", "collateral": "none"})
            body = upload.to_csv(index=False).encode()
            t0 = time.perf_counter()
            r = httpx.post(url + "/v1/outcomes", content=body, timeout=300,
                           headers={"Authorization": f"Bearer {key}", "content-type": "text/csv"})
            t_ingest = time.perf_counter() - t0
            stored = r.json().get("stored") if r.status_code == 200 else r.text[:300]
            verdict = "ok" if r.status_code == 200 and stored == n and t_ingest <= 10 else "MISSED"
            print(f"ingest {n:,} outcome rows ({len(body) / 1e6:.1f} MB CSV): {t_ingest:.1f} s, stored {stored} "
                  f"(target <= 10 s) [{verdict}]")
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
