"""Where each certificate earns its points (once), and reference values by the rule in points.yaml."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from innoscore.points import load_points_config, prepare, score
from innoscore.points.config import ReferenceRule
from innoscore.points.explain import explain, format_explanation
from innoscore.points.references import derive, format_references, reference_date

AS_OF = "2026-10-31"


def _table(config, rows: dict[str, dict]) -> pd.DataFrame:
    cols = set(config.indicators) | {i.indicator for i in config.bonus + config.penalty}
    frame = pd.DataFrame([{c: r.get(c, 0.0) for c in sorted(cols)} for r in rows.values()],
                         index=pd.Index(list(rows), name="enterprise_id"))
    frame.insert(0, "stage", [r.get("stage", "growth") for r in rows.values()])
    return frame


def test_explain_says_where_each_certificate_earns_its_points_once():
    cfg = load_points_config()
    table = _table(cfg, {"LG": {"certification_level": 5, "gazelle": 1}, "NONE": {}})
    prep = prepare(table, cfg, AS_OF)
    result = score(prep)
    held = {"high_tech_enterprise": True, "tech_sme": True, "specialised_sme": True, "little_giant": True,
            "gazelle": True, "innovative_sme": False}
    parts = explain(prep, result, "LG", held)
    certs = parts["certificates"].set_index("certificate")["earns"]
    assert list(certs.index) == ["high_tech_enterprise", "tech_sme", "little_giant", "gazelle"]  # each once
    assert "rung 2 of the ladder tech_sme -> high_tech_enterprise, counted once" in certs["high_tech_enterprise"]
    assert "no points of its own, high_tech_enterprise is a higher rung" in certs["tech_sme"]
    assert "rung 3 of the ladder innovative_sme -> specialised_sme -> little_giant" in certs["little_giant"]
    assert certs["gazelle"] == "bonus item gazelle: 2 points (before the cap of 10 on all bonus items)"
    assert result.loc["LG", "bonus"] == 2
    text = format_explanation(parts, cfg.bonus_cap, cfg.penalty_cap)
    assert "certificates held, and where each earns its points (once):" in text
    assert "certificates held: none" in format_explanation(explain(prep, result, "NONE", {}), 10, 20)
    assert "certificates held" not in format_explanation(explain(prep, result, "NONE"), 10, 20)  # not asked


def test_reference_values_follow_the_rule_by_hand():
    cfg = load_points_config()
    n = 10
    values = {
        "rd_intensity": np.linspace(0.01, 0.10, n),          # P70 of 0.01..0.10 = 0.073
        "standards_led": np.r_[np.zeros(8), 1, 3],           # those with none are left out: P70 of 1, 3 = 2.4
        "rd_platforms": np.zeros(n),                         # nobody: counts at least 1
        "revenue": np.linspace(1e7, 1e8, n),                 # P70 = 7.3e7
    }
    rows = {f"E{i}": {k: v[i] for k, v in values.items()} for i in range(n)}
    rows["OUT"] = {"rd_intensity": 5.0, "revenue": 1e12}   # not a holder: ignored
    table = _table(cfg, rows)
    population = pd.Series(1, index=table.index).where(table.index != "OUT", 0)
    rule = ReferenceRule("high_tech_enterprise", 70, digits=2)
    rules, how = derive(table, population, cfg, 2026, rule)
    assert rules["rd_intensity"].reference == pytest.approx(0.073)
    assert rules["standards_led"].reference == pytest.approx(2.4)
    assert rules["rd_platforms"].reference == 1.0
    assert rules["revenue"].reference == pytest.approx(7.3e7) and rules["revenue"].scale == cfg.rules_for(2026)[1][
        "revenue"].scale
    assert rules["revenue_growth"] == cfg.rules_for(2026)[1]["revenue_growth"]  # banded: kept
    assert how.set_index("indicator").loc["standards_led", "how"] == "P70 of the 2 holders with a positive value"
    assert "raised to 1" in how.set_index("indicator").loc["rd_platforms", "how"]
    text = format_references(2026, rules, rule)
    assert text.startswith("  2026:    # P70 of the valid high_tech_enterprise holders with a positive value") and "    rd_intensity: {rule: linear, reference: 0.073}" in text
    assert reference_date(2026).isoformat() == "2025-12-31"


def test_the_shipped_reference_rule_and_years():
    cfg = load_points_config()
    assert cfg.reference_rule is not None and cfg.reference_rule.population == "high_tech_enterprise"
    assert 2026 in cfg.references


@pytest.fixture(scope="module")
def demo_province():
    from innoscore.data.synth import SynthSpec, generate

    return generate(SynthSpec())[0]  # the demo's province: 20,000 enterprises, seed 7


def test_the_shipped_references_are_the_rule_applied_to_the_demo_province(demo_province):
    from innoscore.indicators import build
    from innoscore.points.references import holders

    cfg = load_points_config()
    on = reference_date(2026)
    rules, _ = derive(build(demo_province, on, cfg.catalog), holders(demo_province, on, "high_tech_enterprise"),
                      cfg, 2026)
    assert rules == cfg.references[2026], "recompute: innoscore points references demo/province --year 2026"


def test_a_bank_gate_of_65_selects_a_minority_of_certified_holders(demo_province):
    """Issue: banks gate points loans at >= 65 or >= 70; a gate almost no 高企 passes is not a product."""
    from innoscore.indicators import build
    from innoscore.points.run import gate_shares

    cfg = load_points_config()
    table = build(demo_province, "2026-10-31", cfg.catalog)
    pts = score(prepare(table, cfg, "2026-10-31"))
    shares = gate_shares(pts, table["high_tech_enterprise"]).set_index("gate")
    assert 0.10 <= shares.loc[65, "holders_share"] <= 0.40
    assert shares.loc[70, "holders_share"] < shares.loc[65, "holders_share"]
    assert shares.loc[65, "share"] < 0.10  # among all enterprises, the gate stays selective
