"""The run report ``report.html``: one self-contained file (charts embedded as PNG) a department head
can read, Chinese by default with an English version (``lang="en"``)."""

from __future__ import annotations

import base64
import html
import io

import numpy as np
import pandas as pd

__all__ = ["render_report", "SECTIONS"]

# section id -> (Chinese title, English title)
SECTIONS = {
    "summary": ("运行概要", "Run summary"),
    "distributions": ("创新积分与违约概率分布", "Points and PD distributions"),
    "grades": ("信用等级", "Grades"),
    "tiers": ("十百千万", "The 10-100-1000-10000 tiers"),
    "leaders": ("科技领军企业（前十）", "The 10 technology leaders"),
    "shortlists": ("各机构推荐名单", "Shortlists per institution and product"),
    "drift": ("稳定性（与上月相比）", "Drift against the previous month"),
    "backtest": ("校准回测（12个月前的预测）", "Calibration backtest of the predictions made 12 months earlier"),
    "statistics": ("科技金融统计", "Programme statistics"),
}
_WORDS = {
    "zh": {"none_previous": "没有上月的运行结果，无法计算稳定性。", "none_backtest": "没有12个月前的运行结果，无法回测。",
           "title": "科技企业创新积分与信用评价月报", "score_psi": "信用评分PSI", "month": "本月", "quarter": "本季度累计",
           "year": "本年累计", "target": "年度目标", "progress": "完成进度", "province": "全省",
           "by_city": "分地市（本年累计）", "by_park": "分高新区（本年累计）", "by_industry": "分行业（本年累计）",
           "lang_switch": "English"},
    "en": {"none_previous": "No run of the previous month: drift cannot be computed.",
           "none_backtest": "No run of twelve months earlier: no backtest yet.",
           "title": "Innovation points and credit report", "score_psi": "score PSI", "month": "month",
           "quarter": "quarter to date", "year": "year to date", "target": "target for the year",
           "progress": "progress", "province": "province", "by_city": "by city (year to date)",
           "by_park": "by high-tech zone (year to date)", "by_industry": "by industry (year to date)",
           "lang_switch": "中文"},
}
# column names and summary keys -> (Chinese, English)
_LABELS = {
    "as_of": ("数据截止日期", "as of"), "data": ("数据目录", "data"), "model": ("信用模型", "model"),
    "model_version": ("模型版本", "model version"), "enterprises": ("企业数", "enterprises"),
    "shortlisted": ("推荐名单行数", "shortlisted rows"), "tiered": ("十百千万入选", "tiered"),
    "first_loan": ("首贷培育企业", "first-loan candidates"), "subsidies": ("政策补贴（元）", "subsidies (yuan)"),
    "grade": ("信用等级", "grade"), "mean_pd": ("平均违约概率", "mean PD"), "city": ("地市", "city"),
    "park": ("高新区", "high-tech zone"), "industry": ("行业", "industry"), "tier_rank": ("排名", "rank"),
    "enterprise_id": ("统一社会信用代码", "enterprise id"), "name": ("企业名称", "name"),
    "points": ("创新积分", "points"), "pd": ("违约概率", "PD"), "owner": ("机构", "institution"),
    "product": ("产品", "product"), "amount": ("建议额度合计（元）", "suggested amount (yuan)"),
    "rows": ("企业数", "enterprises"), "defaults": ("违约数", "defaults"), "observed": ("实际违约率", "observed rate"),
    "ci_low": ("95%区间下限", "95% low"), "ci_high": ("95%区间上限", "95% high"),
    "pd_inside": ("预测在区间内", "PD inside"), "metric": ("指标", "statistic"), "group": ("分组", "group"),
    "new_loans": ("新增贷款笔数", "new loans"), "new_loan_amount": ("新增贷款金额（元）", "new loan amount (yuan)"),
    "first_loans": ("首贷企业数", "first loans"), "first_loan_rate": ("首贷率", "first-loan rate"),
    "loan_access_rate": ("获贷率", "loan-access rate"), "credit_loan_share": ("信用贷款率", "credit-loan share"),
    "average_rate": ("平均利率（%）", "average rate (%)"), "npl_ratio": ("不良贷款率", "NPL ratio"),
    "projects_assessed": ("评价项目数", "projects assessed"), "projects_pushed": ("推送银行项目数", "projects pushed"),
    "indicator": ("指标", "indicator"), "flag": ("状态", "flag"),
}


def _label(key: str, lang: str) -> str:
    pair = _LABELS.get(key)
    if pair is None:
        return key[len("step: "):] if key.startswith("step: ") and lang == "en" else key
    return pair[0] if lang == "zh" else pair[1]


def _localised(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return frame.rename(columns={c: _label(str(c), lang) for c in frame.columns})


_CSS = """body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.6em}h2{border-bottom:2px solid #2a6;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#eef6f0}td:first-child,th:first-child{text-align:left}.alert{color:#b00;font-weight:bold}
.watch{color:#b70}img{max-width:100%}.note{color:#666}"""


def _chart(values: np.ndarray, xlabel: str, log: bool = False) -> str:
    """A histogram as an embedded PNG (labels in ASCII: no CJK font is needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    values = np.asarray(values, dtype="float64")
    values = values[~np.isnan(values)]
    fig, ax = plt.subplots(figsize=(5, 3), dpi=90)
    if log:
        values = values[values > 0]
        bins = np.logspace(np.log10(max(values.min(), 1e-6)), np.log10(max(values.max(), 1e-5)), 40) if len(values) \
            else 10
        ax.set_xscale("log")
    else:
        bins = 40
    ax.hist(values, bins=bins, color="#2a6")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("enterprises")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return f'<img alt="{html.escape(xlabel)}" src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


def _table(frame: pd.DataFrame, floats: str = "{:,.4g}") -> str:
    def cell(v) -> str:
        if isinstance(v, (float, np.floating)):
            return "" if np.isnan(v) else floats.format(v)
        return html.escape(str(v))

    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False, name=None))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_report(*, lang: str, month: str, summary: dict, scores: pd.DataFrame, tiers: pd.DataFrame,
                  population: pd.DataFrame, shortlists: pd.DataFrame, drift: pd.DataFrame | None,
                  score_psi: float | None, backtest: pd.DataFrame | None, statistics: pd.DataFrame,
                  names: dict[str, str], other_language_file: str | None = None,
                  industries: dict[str, str] | None = None) -> str:
    """The report as one HTML text.  ``population``: enterprise_id, name, city, park, industry;
    ``names``: product and tier ids to their names in the language; ``industries``: industry codes to
    their names (for the statistics by industry)."""
    w = _WORDS[lang]
    k = 0 if lang == "zh" else 1
    parts = [f"<!DOCTYPE html><html lang=\"{'zh-CN' if lang == 'zh' else 'en'}\"><head><meta charset=\"utf-8\">"
             f"<title>{html.escape(w['title'])} {month}</title><style>{_CSS}</style></head><body>",
             f"<h1>{html.escape(w['title'])} · {month}</h1>"]
    if other_language_file:
        parts.append(f'<p><a id="lang-switch" href="{html.escape(other_language_file)}">{w["lang_switch"]}</a></p>')

    def section(sid: str, content: str) -> None:
        parts.append(f'<section id="{sid}"><h2>{html.escape(SECTIONS[sid][k])}</h2>{content}</section>')

    items = [((f"步骤：{key[6:]}" if lang == "zh" else key) if key.startswith("step: ") else _label(key, lang), v)
             for key, v in summary.items()]
    section("summary", _table(pd.DataFrame(items, columns=["", ""])))
    section("distributions", _chart(scores["points"].to_numpy("float64", na_value=np.nan), "innovation points")
            + _chart(scores["pd"].to_numpy("float64", na_value=np.nan), "probability of default (log scale)",
                     log=True))
    grades = scores.groupby("grade").agg(enterprises=("enterprise_id", "size"), mean_pd=("pd", "mean")).reset_index()
    section("grades", _table(_localised(grades, lang)))
    t = tiers.merge(population, on="enterprise_id", how="left")
    t["tier"] = t["tier"].map(names).fillna(t["tier"])
    comp = []
    for by in ("city", "park", "industry"):
        c = t.groupby(["tier", by], dropna=True).size().rename("n").reset_index()
        c = c.pivot(index=by, columns="tier", values="n").fillna(0).astype(int).reset_index()
        comp.append(f"<h3>{html.escape(_label(by, lang))}</h3>" + _table(_localised(c, lang)))
    section("tiers", "".join(comp))
    leaders = t[t["tier"] == t["tier"].iloc[0]].head(10) if len(t) else t
    section("leaders", _table(_localised(leaders[["tier_rank", "enterprise_id", "name", "city", "points", "pd"]],
                                         lang)))
    sizes = shortlists.groupby(["owner", "product"]).agg(enterprises=("enterprise_id", "size"),
                                                         amount=("suggested_amount", "sum")).reset_index()
    sizes["product"] = sizes["product"].map(names).fillna(sizes["product"])
    section("shortlists", _table(_localised(sizes, lang), "{:,.0f}"))
    if drift is None:
        section("drift", f'<p class="note">{html.escape(w["none_previous"])}</p>')
    else:
        flagged = drift.head(20).copy()
        rows = "".join(f'<tr class="{r.flag}"><td>{html.escape(r.column)}</td><td>{r.psi:.4f}</td>'
                       f'<td class="{r.flag}">{r.flag}</td></tr>' for r in flagged.itertuples())
        section("drift", f"<p>{w['score_psi']}: <b>{score_psi:.4f}</b></p><table><thead><tr>"
                         f"<th>{_label('indicator', lang)}</th><th>PSI</th><th>{_label('flag', lang)}</th></tr></thead>"
                         f"<tbody>{rows}</tbody></table>")
    if backtest is None or not len(backtest):
        section("backtest", f'<p class="note">{html.escape(w["none_backtest"])}</p>')
    else:
        section("backtest", _table(_localised(backtest, lang)))
    s = statistics
    prov = s[s["group_by"] == "all"].pivot(index="metric", columns="period", values="value")
    prov = prov.reindex(columns=["month", "quarter", "year"])
    targets = s[(s["group_by"] == "all") & (s["period"] == "year")].set_index("metric")["target"]
    prov.columns = [w[c] for c in prov.columns]
    prov[w["target"]] = targets.reindex(prov.index)
    prov[w["progress"]] = (prov[w["year"]] / prov[w["target"]]).map(lambda v: "" if np.isnan(v) else f"{v:.0%}")
    prov.index = [_label(m, lang) for m in prov.index]
    groups = []
    for by in ("city", "park", "industry"):
        g = s[(s["group_by"] == by) & (s["period"] == "year")].pivot(index="group", columns="metric", values="value")
        g = g[["enterprises", "new_loans", "first_loan_rate", "loan_access_rate", "credit_loan_share",
               "npl_ratio"]].reset_index().rename(columns={"group": by})
        if by == "industry" and industries:
            g[by] = g[by].map(lambda i: industries.get(i, i))
        groups.append(f"<h3>{w['by_' + by]}</h3>" + _table(_localised(g, lang)))
    section("statistics", f"<h3>{w['province']}</h3>" + _table(_localised(prov.reset_index(), lang))
            + "".join(groups))
    parts.append("</body></html>")
    return "\n".join(parts)
