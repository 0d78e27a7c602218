"""The data port over real HTTP on loopback: who may see what, bad requests, outcomes round trip."""

from __future__ import annotations

import json

import httpx
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from innoscore.cli import main
from innoscore.serve.store import Store



def _audit_count(port) -> int:
    return len(port.store.audit_rows(limit=1_000_000))


def _short(port) -> pd.DataFrame:
    return pd.read_parquet(port.runs / port.month / "shortlists" / "shortlists.parquet")


def _ent(port) -> pd.DataFrame:
    return pd.read_parquet(port.runs / port.month / "enterprises.parquet").set_index("enterprise_id")


def test_a_bank_reads_its_own_shortlist_and_nothing_else(port):
    a, b = port.owners["a"], port.owners["b"]
    with port.client("a") as c:
        months = c.get("/v1/months").json()
        assert months["owner"] == a and [m["month"] for m in months["months"]] == [port.month]
        page = c.get(f"/v1/months/{port.month}/shortlists", params={"size": 5}).json()
        mine = _short(port)[lambda s: s["owner"] == a]
        assert page["total"] == len(mine) and len(page["rows"]) == min(5, len(mine))
        assert {r["product"] for r in page["rows"]} <= set(mine["product"])
        everything = c.get(f"/v1/months/{port.month}/shortlists", params={"size": 5000}).json()["rows"]
        assert sorted(r["enterprise_id"] for r in everything) == sorted(mine["enterprise_id"])
        theirs = set(_short(port)[lambda s: s["owner"] == b]["product"])
        assert not theirs & {r["product"] for r in everything}
        assert c.get(f"/v1/months/{port.month}/shortlists", params={"product": next(iter(theirs))}).json()["total"] == 0
        csv = c.get(f"/v1/months/{port.month}/shortlists", params={"format": "csv"})
        assert csv.status_code == 200 and csv.content == (port.runs / port.month / "shortlists" / f"{a}.csv").read_bytes()
        page_text = c.get(f"/v1/months/{port.month}/shortlists").text
    personal = ("legal_rep", "法定代表人")
    assert not any(p in page_text for p in personal)
    tables = port.data / "enterprises.parquet"
    reps = pd.read_parquet(tables)
    for col in [c for c in reps.columns if c.startswith("legal_rep")]:
        for value in reps[col].dropna().astype(str).head(50):
            assert value not in page_text


def test_an_enterprise_is_served_only_to_an_owner_it_consents_to(port):
    a = port.owners["a"]
    ent = _ent(port)
    consents = ent["consent"].fillna("").str.split(";").map(lambda owners: a in owners)
    yes, no = ent.index[consents][0], ent.index[~consents][0]
    with port.client("a") as c:
        got = c.get(f"/v1/months/{port.month}/enterprises/{yes}")
        assert got.status_code == 200
        body = got.json()
        assert body["enterprise_id"] == yes and body["name"] == ent.loc[yes, "name"]
        points = pd.read_parquet(port.runs / port.month / "points.parquet").set_index("enterprise_id").loc[yes]
        assert body["points"]["total"] == pytest.approx(points["total"])
        assert body["points"]["technology"] == pytest.approx(points["technology"])
        assert {ch["check"] for ch in body["checks"]} >= {"high_tech_enterprise", "tech_sme"}
        assert not any("legal_rep" in k for k in body)
        scores = pd.read_parquet(port.runs / port.month / "scores.parquet").set_index("enterprise_id").loc[yes]
        texts = {"leverage": "资产负债率偏高", "rd_intensity": "研发投入强度偏低"}  # the fixture model's
        codes = [scores[c] for c in ("reason_1", "reason_2", "reason_3") if isinstance(scores[c], str)]
        assert body["reasons_zh"] == ("；".join(texts[c] for c in codes) or None)
        for other in ent.index[consents][:150]:  # every one of them answers (a 500 is a bug)
            r = c.get(f"/v1/months/{port.month}/enterprises/{other}")
            assert r.status_code == 200 and r.json()["checks"], (other, r.text[:200])
        refused = c.get(f"/v1/months/{port.month}/enterprises/{no}")
        unknown = c.get(f"/v1/months/{port.month}/enterprises/91130000000000000X")
    assert refused.status_code == unknown.status_code == 404
    assert refused.json() == unknown.json() == {"error": "not found"}  # no hint that it exists


@pytest.mark.parametrize("who, why", [(None, "required"), ("isk_nope_abc", "not valid"), ("expired", "expired"),
                                      ("revoked", "revoked"), ("' OR '1'='1", "not valid"),
                                      ("isk_1' OR 1=1 --_x", "not valid")])
def test_a_request_without_a_valid_key_is_refused_and_audited(port, who, why):
    before = _audit_count(port)
    with port.client(who) as c:
        r = c.get(f"/v1/months/{port.month}/shortlists")
    assert r.status_code == 401 and why in r.json()["error"] and "rows" not in r.json()
    rows = port.store.audit_rows(limit=1)
    assert _audit_count(port) == before + 1 and rows["status"].iloc[-1] == 401


@pytest.mark.parametrize("path", ["/v1/months/..%2F..%2Fetc/shortlists", "/v1/months/2026-13/shortlists",
                                  "/v1/months/%2e%2e/shortlists", "/v1/months/1999-01/shortlists",
                                  "/v1/months/{m}%0A/shortlists",
                                  "/v1/months/{m}/enterprises/..%2Fmanifest.json",
                                  "/v1/months/{m}/enterprises/1'%20OR%20'1'='1",
                                  "/v1/months/{m}/enterprises/%3Bdrop%20table%20audit"])
def test_traversal_and_sql_in_paths_find_nothing(port, path):
    before = _audit_count(port)
    with port.client("a") as c:
        r = c.get(path.replace("{m}", port.month))
    assert r.status_code == 404 and r.json() == {"error": "not found"} or r.json()["error"].startswith("no published")
    assert _audit_count(port) == before + 1 and len(port.store.keys()) == 4  # the tables are all there


@pytest.mark.parametrize("fmt", ["../../manifest", "json;", "xlsx/../csv"])
def test_a_file_name_cannot_be_chosen(port, fmt):
    with port.client("a") as c:
        r = c.get(f"/v1/months/{port.month}/shortlists", params={"format": fmt})
    assert r.status_code == 422 and "format must be" in r.json()["error"]


def test_oversized_and_malformed_uploads_are_refused_with_a_message(port):
    stored = len(port.store.outcomes())
    audited = _audit_count(port)
    with port.client("a") as c:
        big = c.post("/v1/outcomes", content=b"x" * 300_000, headers={"content-type": "text/csv"})
        assert big.status_code == 413 and "larger than" in big.json()["error"]
        bad_json = c.post("/v1/outcomes", content=b"{rows: [", headers={"content-type": "application/json"})
        assert bad_json.status_code == 422 and "malformed JSON" in bad_json.json()["error"]
        bad_csv = c.post("/v1/outcomes", content='a,"b\n1,2'.encode(), headers={"content-type": "text/csv"})
        assert bad_csv.status_code == 422 and "error" in bad_csv.json()
        gbk = c.post("/v1/outcomes", files={"file": ("o.csv", "贷款编号\n1\n".encode("gbk"))})
        assert gbk.status_code == 422 and "not UTF-8" in gbk.json()["error"]
        pdf = c.post("/v1/outcomes", files={"file": ("o.pdf", b"%PDF")})
        assert pdf.status_code == 422 and ".csv or .xlsx" in pdf.json()["error"]
    assert len(port.store.outcomes()) == stored
    statuses = port.store.audit_rows(limit=5)["status"].tolist()
    assert _audit_count(port) == audited + 5 and statuses == [413, 422, 422, 422, 422]


def _rows(port, owner_key="a"):
    """Two decisions on enterprises the bank was sent; the first an approved loan to one that never borrowed."""
    owner = port.owners[owner_key]
    sent = _short(port)[lambda s: s["owner"] == owner]["enterprise_id"].unique()
    loans = pd.read_parquet(port.data / "loans.parquet")
    never = [e for e in sent if e not in set(loans["enterprise_id"])]
    assert never, "the small province has a shortlisted enterprise without loans"
    day = pd.Timestamp(port.month + "-01") + pd.Timedelta(days=9)
    return [{"loan_id": "PORT-1", "enterprise_id": never[0], "decision": "approved", "product": "test",
             "amount": 2_000_000, "rate": 3.8, "originated_on": day.date().isoformat(),
             "maturity_on": (day + pd.Timedelta(days=365)).date().isoformat(), "collateral": "none"},
            {"loan_id": "PORT-2", "enterprise_id": sent[0], "decision": "declined"}]


def test_an_upload_with_one_bad_row_stores_nothing_and_names_the_row(port):
    rows = _rows(port)
    bad = [dict(rows[0]), dict(rows[1]), dict(rows[0], loan_id="PORT-3", rate=99, collateral="gold")]
    other = _short(port)[lambda s: s["owner"] == port.owners["b"]]["enterprise_id"]
    sent_a = set(_short(port)[lambda s: s["owner"] == port.owners["a"]]["enterprise_id"])
    stranger = next(e for e in other if e not in sent_a)
    bad.append(dict(rows[1], loan_id="PORT-4", enterprise_id=stranger))
    with port.client("a") as c:
        r = c.post("/v1/outcomes", json={"rows": bad})
    assert r.status_code == 422
    problems = {(p["column"], p["check"]): p for p in r.json()["report"]["problems"]}
    assert problems[("rate", "value not allowed")]["examples"][0]["row"] == 3
    assert problems[("collateral", "value not allowed")]["examples"][0]["row"] == 3
    assert problems[("enterprise_id", "not sent to you")]["examples"][0]["row"] == 4
    assert not set(port.store.outcomes()["loan_id"]) & {"PORT-1", "PORT-2", "PORT-3", "PORT-4"}


def test_outcomes_round_trip_into_the_next_runs_statistics(port, tmp_path):
    rows = _rows(port)
    with port.client("a") as c:
        first = c.post("/v1/outcomes", json={"rows": rows})
        assert first.status_code == 200 and first.json()["stored"] == 2
        again = c.post("/v1/outcomes", files={"file": ("o.csv", pd.DataFrame(rows).to_csv(index=False).encode())})
        assert again.status_code == 200 and again.json()["stored"] == 0 and again.json()["already"] == 2
    stored = port.store.outcomes().set_index("loan_id")
    assert set(stored.loc[["PORT-1", "PORT-2"], "bank"]) == {port.owners["a"]}
    feedback = port.store.feedback_loans()
    assert list(feedback["loan_id"]) == [f"{port.owners['a']}:PORT-1"]  # declined: no loan; ids unique across banks
    assert feedback["amount"].iloc[0] == 2_000_000
    # the next run reads them: one more first loan this month among those who never borrowed before
    def month_stats(folder):
        s = pd.read_parquet(folder / port.month / "statistics.parquet")
        s = s[(s["period"] == "month") & (s["group_by"] == "all")].set_index("metric")["value"]
        return s

    before = month_stats(port.runs)
    config = tmp_path / "monthly.yaml"
    config.write_text(f"data: {port.data}\nruns: {tmp_path / 'runs'}\nmodel: {port.model}\n"
                      f"tracking_uri: sqlite:///{tmp_path}/mlflow.db\nport: sqlite:///{port.root / 'port.db'}\n",
                      encoding="utf-8")
    assert main(["run", "--config", str(config), "--quiet"]) == 0
    after = month_stats(tmp_path / "runs")
    assert after["first_loans"] == before["first_loans"] + 1
    never = before["first_loans"] / before["first_loan_rate"] if before["first_loan_rate"] else None
    if never:
        assert after["first_loan_rate"] == pytest.approx((before["first_loans"] + 1) / never)
    assert after["new_loans"] == before["new_loans"] + 1
    assert after["new_loan_amount"] == pytest.approx(before["new_loan_amount"] + 2_000_000)
    manifest = json.loads((tmp_path / "runs" / port.month / "manifest.json").read_text())
    assert manifest["rows"]["reported_loans"] == 1
    published = pd.read_parquet(tmp_path / "runs" / port.month / "reported_loans.parquet")
    assert list(published["loan_id"]) == [f"{port.owners['a']}:PORT-1"]
    assert "reported_loans.parquet" in manifest["outputs"]  # hashed with the month
    # the feedback table as a file, in the loans contract: it validates as a loans table
    assert main(["outcomes", "export", str(tmp_path / "fb" / "loans.csv"), "--db",
                 f"sqlite:///{port.root / 'port.db'}"]) == 0
    from innoscore.data.validation import validate_table

    report, _ = validate_table(pd.read_csv(tmp_path / "fb" / "loans.csv", dtype=str), "loans",
                               pd.Timestamp("2030-01-01").date(), "loans.csv")
    assert report.ok, report.to_text()


VALUES = st.one_of(st.text(max_size=12), st.integers(-10, 10 ** 12), st.none(),
                   st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                   st.sampled_from(["approved", "declined", "withdrawn", "2024-06-01", "2031-01-01", "none", "3.5"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_any_json_rows_are_refused_with_a_report_or_stored_never_a_traceback(port, data):
    sent = sorted(set(_short(port)[lambda s: s["owner"] == port.owners["b"]]["enterprise_id"]))
    keys = ["loan_id", "decision", "product", "amount", "rate", "signed_on", "originated_on", "maturity_on",
            "collateral", "bank", "x"]
    rows = data.draw(st.lists(st.fixed_dictionaries(
        {"enterprise_id": st.one_of(st.sampled_from(sent), VALUES)},
        optional={k: VALUES for k in keys}), max_size=6))
    with port.client("b") as c:  # NaN and Infinity as Python writes them: not JSON, yet sent
        r = c.post("/v1/outcomes", content=json.dumps({"rows": rows}), headers={"content-type": "application/json"})
    assert r.status_code in (200, 422), r.text
    body = r.json()
    assert ("error" in body) or ("report" in body)
    if r.status_code == 200:
        assert body["stored"] + body["already"] == len(rows)


def test_keys_are_stored_as_hashes_and_the_cli_manages_them(port, capsys, tmp_path):
    db = f"sqlite:///{tmp_path / 'k.db'}"
    assert main(["keys", "add", port.owners["a"], "--db", db, "--note", "ops"]) == 0
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert secret.startswith("isk_")
    store = Store(db)
    assert store.authenticate(secret)[1] == "ok"
    raw = (tmp_path / "k.db").read_bytes()
    assert secret.encode() not in raw and secret.split("_")[-1].encode() not in raw
    assert main(["keys", "add", "NOBODY", "--db", db]) == 2
    assert "unknown owner" in capsys.readouterr().err
    assert main(["keys", "revoke", port.owners["a"], "--db", db]) == 0
    assert store.authenticate(secret)[1] == "revoked"
    assert main(["keys", "list", "--db", db]) == 0 and "revoked" in capsys.readouterr().out
    assert main(["audit", "--db", f"sqlite:///{port.root / 'port.db'}", "--limit", "3"]) == 0
    assert "/v1/" in capsys.readouterr().out


def test_a_key_sending_too_fast_is_slowed_down_and_the_docs_are_there(port):
    from innoscore.serve.app import Limits

    from .helpers import serve

    url, stop = serve(port.runs, port.store, Limits(rate=1, burst=3))
    try:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {port.keys['a']}"}) as c:
            codes = [c.get("/v1/months").status_code for _ in range(6)]
            assert codes[:3] == [200, 200, 200] and 429 in codes[3:]
            assert "slow down" in c.get("/v1/months").json()["error"]
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {port.keys['b']}"}) as other:
                assert other.get("/v1/months").status_code == 200  # per key
            spec = c.get("/openapi.json").json()
            assert {"/v1/months", "/v1/months/{month}/shortlists", "/v1/months/{month}/enterprises/{enterprise_id}",
                    "/v1/outcomes"} <= set(spec["paths"])
            assert c.get("/docs").status_code == 200
    finally:
        stop()
    assert (port.store.audit_rows(limit=20)["status"] == 429).any()


def test_a_declined_row_with_loan_terms_is_stored_without_them(port):
    sent = _short(port)[lambda s: s["owner"] == port.owners["a"]]["enterprise_id"].iloc[0]
    rows = [{"loan_id": "DECL-1", "enterprise_id": sent, "decision": "declined", "amount": "abc",
             "originated_on": "2026-01-01", "product": "p"},
            {"loan_id": "WD-1", "enterprise_id": sent, "decision": "withdrawn", "rate": "n/a"}]
    with port.client("a") as c:
        r = c.post("/v1/outcomes", json={"rows": rows})
    assert r.status_code == 200 and r.json()["stored"] == 2
    stored = port.store.outcomes().set_index("loan_id").loc[["DECL-1", "WD-1"]]
    assert stored["amount"].isna().all() and stored["originated_on"].isna().all() and stored["product"].iloc[0] == "p"


def test_a_chunked_body_over_the_limit_and_a_fund_reporting_loans_are_refused(port):
    def chunks():
        for _ in range(50):
            yield b"x" * 10_000

    with port.client("a") as c:
        r = c.post("/v1/outcomes", content=chunks(), headers={"content-type": "text/csv"})
    assert r.status_code == 413 and "larger than 200,000 bytes" in r.json()["error"]
    from innoscore.matching.products import load_products

    fund = next(code for code, o in load_products().owners.items() if o.kind != "bank")
    key = port.store.add_key(fund)[1]
    with httpx.Client(base_url=port.url, headers={"Authorization": f"Bearer {key}"}) as c:
        r = c.post("/v1/outcomes", json={"rows": []})
    assert r.status_code == 403 and "only banks report loan outcomes" in r.json()["error"]


def test_a_month_published_again_is_served_as_it_now_is(port):
    import os

    a = port.owners["a"]
    path = port.runs / port.month / "enterprises.parquet"
    original = path.read_bytes()
    ent = pd.read_parquet(path)
    who = ent.loc[ent["consent"].fillna("").str.split(";").map(lambda o: a in o), "enterprise_id"].iloc[0]
    with port.client("a") as c:
        assert c.get(f"/v1/months/{port.month}/enterprises/{who}").status_code == 200
        try:  # the enterprise withdraws its consent; the month is published again
            ent.loc[ent["enterprise_id"] == who, "consent"] = ""
            ent.to_parquet(path, index=False)
            manifest = port.runs / port.month / "manifest.json"
            os.utime(manifest, ns=(manifest.stat().st_atime_ns, manifest.stat().st_mtime_ns + 10_000_000))
            assert c.get(f"/v1/months/{port.month}/enterprises/{who}").status_code == 404
        finally:
            path.write_bytes(original)
            os.utime(manifest, ns=(manifest.stat().st_atime_ns, manifest.stat().st_mtime_ns + 10_000_000))
        assert c.get(f"/v1/months/{port.month}/enterprises/{who}").status_code == 200
