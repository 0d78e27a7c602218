"""Weights studies on one month: what a change of indicator weights does to the ranking, tiers and products.

The analysts' side of the innovation points.  :func:`load_month` loads what a weight change is judged
on, from a published month (``runs/YYYY-MM``: its PD and the data folder it read, checked unchanged)
or from a data folder and a date (PD from the credit model).  Then:

* :func:`diff` compares two weight sets: Spearman and Kendall between the rankings, moves in and
  out of each 十百千万 tier (filled exactly as the matcher fills them), the enterprises whose
  eligibility for a product changes (a points threshold crossed), and the effective weights side by
  side; :meth:`WeightsDiff.write` writes it as CSV files and an HTML page (Chinese, or English);
* :func:`levels` and :func:`thresholds` turn the product catalog's tiers and points thresholds into
  what :func:`innoscore.points.sensitivity.monte_carlo` takes.

Why one module of about 450 lines: loading a month, the catalog's tiers for the Monte Carlo and the diff
with its two languages are one study; the weighting, importance and Monte Carlo are in ``points``.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from innoscore.errors import UsageError
from innoscore.indicators.enterprises import STAGES
from innoscore.io import sha256_file
from innoscore.matching.fields import Population
from innoscore.matching.products import ProductCatalog, ProjectTier
from innoscore.matching.rules import AnyOf, Condition, Rule, evaluate
from innoscore.points.config import PointsConfig
from innoscore.points.engine import Prepared, prepare, score
from innoscore.points.importance import effective_weights_table
from innoscore.points.sensitivity import Level, SensitivityError, Stability

__all__ = ["Month", "load_month", "levels", "thresholds", "threshold_texts", "unfollowed", "diff", "WeightsDiff",
           "stability", "write_stability", "format_stability", "POINTS_FIELDS"]

# the population's fields that a weight change moves (bonus and penalty items do not depend on weights)
POINTS_FIELDS = {"points": "total", "points_technology": "technology", "points_growth": "growth",
                 "points_auxiliary": "auxiliary", "points_percentile": "percentile"}


@dataclass
class Month:
    """One month's enterprises, ready for re-scoring: indicators and population in enterprise-id order."""

    as_of: dt.date
    indicators: pd.DataFrame
    population: Population
    catalog: ProductCatalog
    config: PointsConfig  # the weights the month was scored with (features/points.yaml unless given)
    source: str

    def prepare(self, config: PointsConfig | None = None) -> Prepared:
        return prepare(self.indicators, config or self.config, self.as_of)

    @property
    def pd_values(self) -> np.ndarray:
        return self.population.number("pd")

    @property
    def names(self) -> pd.Series:
        return pd.Series(self.population.frame["name"].to_numpy(object), index=self.indicators.index, name="name")

    def with_points(self, points: pd.DataFrame) -> Population:
        """The population with the points fields of ``points`` (``score``'s frame, same order)."""
        frame = self.population.frame.copy()
        for fld, col in POINTS_FIELDS.items():
            frame[fld] = points[col].to_numpy(dtype="float64")
        return replace(self.population, frame=frame)


def load_month(run: str | Path | None = None, data: str | Path | None = None, as_of: dt.date | None = None,
               model: str | None = None, tracking_uri: str | None = None, products: str | Path | None = None,
               config: PointsConfig | None = None) -> Month:
    """A month to study weights on: ``run`` (a published ``runs/YYYY-MM``; its PD, its date and the data
    folder its manifest names, or ``data``, which must hold the files the run read) or ``data`` and
    ``as_of`` (default: the extraction date) with PD from ``model`` (an MLflow model URI; the command line
    defaults it to the monthly run's)."""
    from innoscore.data.validation import read
    from innoscore.data.validation_report import DataError
    from innoscore.indicators import load_catalog
    from innoscore.matching.fields import build_population
    from innoscore.matching.products import load_products
    from innoscore.points import load_points_config
    from innoscore.points.certification import summarise
    from innoscore.points.run import points_and_checks

    if run is None and data is None:
        raise UsageError("give a published month (--run runs/YYYY-MM) or a data folder (--data DIR)")
    manifest = None
    scores = None
    if run is not None:
        run = Path(run)
        try:
            manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
            day = dt.date.fromisoformat(manifest["as_of"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"--run {run}: not a published month (its manifest.json cannot be read: {exc})") from None
        if as_of is not None and as_of != day:
            raise UsageError(f"--as-of {as_of} differs from the run's date {day}; leave it out with --run")
        as_of = day
        if data is None:  # the manifest's folder, relative to where the run ran: here, or above the runs
            named = Path(manifest.get("data", ""))
            tried = [named] if named.is_absolute() else [named, *(a / named for a in run.resolve().parents)]
            data = next((p for p in tried if p.is_dir()), named)
        data = Path(data)
        if not data.is_dir():
            raise UsageError(f"the data folder of {run} ({data}) is not there; pass --data with the folder it read")
        changed = sorted(name for name, digest in manifest.get("input_files", {}).items()
                         if not (data / name).is_file() or sha256_file(data / name) != digest)
        if changed:
            raise UsageError(f"{data} is not the data {run} read: {', '.join(changed)} changed since; pass --data "
                             "with the folder it read, or study the data as it is with --data and --as-of")
        try:
            scores = pd.read_parquet(run / "scores.parquet")
        except (OSError, ValueError) as exc:
            raise UsageError(f"{run}/scores.parquet cannot be read: {exc}") from None
    catalog = load_catalog()
    product_catalog = load_products(products, catalog) if products is not None else load_products(catalog=catalog)
    config = config or load_points_config(catalog=catalog)
    report, dataset = read(data)
    if not report.ok:
        raise DataError(report)
    as_of = as_of or dataset.extracted_on
    if as_of > dataset.extracted_on:
        raise UsageError(f"--as-of {as_of} is after the data's extraction date {dataset.extracted_on}")
    result = points_and_checks(dataset, as_of, config)
    if not len(result.indicators):
        raise UsageError(f"no enterprise of {data} existed on {as_of}")
    if scores is None:
        from innoscore.credit.registry import load_credit_model
        from innoscore.credit.scoring import score_enterprises

        if not model:
            raise UsageError("studying a data folder without a run needs the credit model for PD (--model URI)")
        loaded, _ = load_credit_model(model, tracking_uri)
        scores = score_enterprises(loaded, result.indicators)
    indicators = result.indicators.sort_index()
    pop = build_population(dataset.tables, as_of, indicators, result.features, result.points,
                           summarise(result.checks, reasons=False), scores, product_catalog.fields)
    if not np.array_equal(pop.ids.astype(str), indicators.index.to_numpy().astype(str)):
        raise AssertionError("population and indicators are not in the same order")  # a bug, not bad input
    source = f"{run} (data {data})" if run is not None else f"{data} as of {as_of}"
    return Month(as_of, indicators, pop, product_catalog, config, source)


# ------------------------------------------------------------------- tiers and thresholds for the Monte Carlo


def _fields(c: Condition) -> set[str]:
    return {r.field for r in c.rules} if isinstance(c, AnyOf) else {c.field}


def _min_points(rule: Rule) -> float | None:
    if rule.field == "points" and rule.op in (">=", ">"):
        v = float(rule.value)
        return v if rule.op == ">=" else float(np.nextafter(v, np.inf))
    return None


def levels(month: Month) -> tuple[Level, ...]:
    """The catalog's enterprise tiers as Monte Carlo levels (exclusive, filled top down): each tier's
    rules that do not read points evaluated once on the month; a ``points >=`` rule checked per draw.
    The tier of projects is left out (projects are ranked on their own scores)."""
    out = []
    for tier in month.catalog.tiers:
        if isinstance(tier, ProjectTier):
            continue
        ok = np.ones(len(month.population), dtype=bool)
        floor = None
        for rule in tier.rules:
            m = _min_points(rule) if isinstance(rule, Rule) else None
            if m is not None:
                floor = m if floor is None else max(floor, m)
            elif _fields(rule) & set(POINTS_FIELDS):
                raise SensitivityError(f"tier {tier.id}: a rule on {sorted(_fields(rule) & set(POINTS_FIELDS))} "
                                       "other than points >= X cannot be followed through the draws")
            else:
                ok &= evaluate(rule, month.population)
        out.append(Level(tier.id, tier.quota, ok, floor, exclusive=True))
    return tuple(out)


def thresholds(catalog: ProductCatalog) -> dict[str, float]:
    """Each product's points threshold (its top-level ``points >=`` or ``>`` rule), by product id; see
    :func:`unfollowed` for the products whose other rules on points the Monte Carlo cannot follow."""
    out = {}
    for p in catalog.products:
        floors = [m for r in p.rules if isinstance(r, Rule) and (m := _min_points(r)) is not None]
        if floors:
            out[p.id] = max(floors)
    return out


def threshold_texts(catalog: ProductCatalog) -> dict[str, str]:
    """Each product's points threshold as its rule reads (``points >= 60``), by product id."""
    out = {}
    for p in catalog.products:
        rules = [r for r in p.rules if isinstance(r, Rule) and _min_points(r) is not None]
        if rules:
            out[p.id] = " and ".join(f"points {r.op} {float(r.value):g}" for r in rules)
    return out


def unfollowed(catalog: ProductCatalog) -> dict[str, list[str]]:
    """Products with a rule on points that is not a top-level ``points >=`` / ``>`` (a group subtotal,
    the percentile, points inside an ``any``): the fields, by product id.  ``weights diff`` evaluates
    them exactly; the Monte Carlo's thresholds leave them out."""
    out = {}
    for p in catalog.products:
        fields = sorted({f for r in p.rules for f in _fields(r) & set(POINTS_FIELDS)
                         if not (isinstance(r, Rule) and _min_points(r) is not None)})
        if fields:
            out[p.id] = fields
    return out


# ------------------------------------------------------------------------------------------- stability


def stability(month: Month, config: PointsConfig | None = None, **settings) -> Stability:
    """The Monte Carlo of :func:`innoscore.points.sensitivity.monte_carlo` on ``month``: the catalog's tiers
    (:func:`levels`), each product's points threshold (:func:`thresholds`) and the month's PD to break equal
    points; ``settings`` are the Monte Carlo's (draws, weights, noise, ...)."""
    from innoscore.points.sensitivity import monte_carlo

    config = config or month.config
    return monte_carlo(month.prepare(config), config, levels=levels(month), thresholds=thresholds(month.catalog),
                       pd_values=month.pd_values, **settings)


def write_stability(month: Month, result: Stability, folder: str | Path) -> dict[str, Path]:
    """``stability.csv`` (per enterprise, with its name) and ``boundaries.csv`` into ``folder``, together."""
    from innoscore.io import out_folder, write_texts_atomic

    folder = out_folder(folder)
    names = month.names
    paths = {"stability": folder / "stability.csv", "boundaries": folder / "boundaries.csv"}
    bounds = result.boundaries.merge(names.rename_axis("enterprise_id").reset_index(), on="enterprise_id", how="left")
    write_texts_atomic({
        paths["stability"]: result.enterprises.join(names).reset_index().to_csv(index=False, lineterminator="\n"),
        paths["boundaries"]: bounds.to_csv(index=False, lineterminator="\n")})
    return paths


def format_stability(month: Month, result: Stability) -> str:
    """Per tier and product threshold: how many now, how many almost surely (>= 95 % of draws), how many on
    the boundary (5-95 %) and how many expected; and the products whose points rules are not followed."""
    floors, texts = thresholds(month.catalog), threshold_texts(month.catalog)
    e = result.enterprises
    lines = [f"  {'tier or product (points threshold)':<36}{'now':>8}{'sure (>=95%)':>14}{'boundary (5-95%)':>18}"
             f"{'expected':>10}"]
    for name in result.settings["names"]:
        if name in floors:
            p, now, label = e[f"p_pass_{name}"], int((e["points"] >= floors[name]).sum()), f"{name} ({texts[name]})"
        else:
            p, now, label = e[f"p_{name}"], int((e["level"] == name).sum()), f"tier {name}"
        lines.append(f"  {label:<36}{now:>8,}{int((p >= 0.95).sum()):>14,}{len(result.boundary(name)):>18,}"
                     f"{p.sum():>10,.1f}")
    skipped = unfollowed(month.catalog)
    if skipped:
        lines.append("  not followed (a rule on " + "; ".join(f"{p}: {', '.join(f)}" for p, f in skipped.items()) +
                     "): `innoscore weights diff` evaluates them")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------- diff


@dataclass
class WeightsDiff:
    """Two weight sets compared on one month (see :func:`diff`)."""

    summary: pd.DataFrame  # metric, value
    tiers: pd.DataFrame  # tier, before, after, in, out, kept
    tier_moves: pd.DataFrame  # tier, move (in/out), enterprise_id, name, points and rank before and after
    products: pd.DataFrame  # product, before, after, in, out
    crossings: pd.DataFrame  # product, move, enterprise_id, name, points before and after, threshold
    effective: pd.DataFrame  # stage, indicator, weights, importance and flags before and after
    old: str
    new: str
    month: str
    labels: dict = field(default_factory=dict)  # tier, product and indicator ids -> (Chinese, English) names

    @property
    def moves(self) -> int:
        """Enterprises entering or leaving a tier or a product's eligibility."""
        return len(self.tier_moves) + len(self.crossings)

    def format(self, lang: str = "en") -> str:
        t = _T[lang]
        lines = [f"{t['title']}: {self.old} -> {self.new} ({self.month})"]
        for r in self.summary.itertuples():
            lines.append(f"  {t.get(r.metric, r.metric)}: {_fmt(r.value)}")
        with pd.option_context("display.width", 160, "display.max_rows", 100):
            lines.append(t["tiers"] + ":")
            lines.append(self.tiers.to_string(index=False) if len(self.tiers) else "  -")
            lines.append(t["products"] + ":")
            lines.append(self.products.to_string(index=False) if len(self.products) else "  -")
        return "\n".join(lines)

    def write(self, folder: str | Path, lang: str = "zh") -> dict[str, Path]:
        """``summary.csv``, ``tiers.csv``, ``tier_moves.csv``, ``products.csv``, ``crossings.csv``,
        ``effective_weights.csv`` and ``diff.html`` into ``folder``, replaced together: none is replaced
        until all are written."""
        from innoscore.io import write_texts_atomic

        from innoscore.io import out_folder

        folder = out_folder(folder)
        out = {name: folder / ("effective_weights.csv" if name == "effective" else f"{name}.csv")
               for name in ("summary", "tiers", "tier_moves", "products", "crossings", "effective")}
        texts = {path: getattr(self, name).to_csv(index=False, lineterminator="\n") for name, path in out.items()}
        out["html"] = folder / "diff.html"
        texts[out["html"]] = self.to_html(lang)
        write_texts_atomic(texts)
        return out

    def to_html(self, lang: str = "zh", rows: int = 10) -> str:
        """The diff as one page; of the moves, the first ``rows`` of each tier and product and direction."""
        t = _T[lang]

        def table(frame: pd.DataFrame, by: list[str] | None = None) -> str:
            if not len(frame):
                return f"<p>{t['none']}</p>"
            shown = frame if by is None else frame.groupby(by, sort=False).head(rows)
            body = shown.rename(columns=lambda c: t.get(c, c)).to_html(index=False, escape=True, na_rep="",
                                                                         float_format=lambda x: f"{x:.4g}")
            more = f"<p>{t['more'].format(len(frame) - len(shown))}</p>" if len(shown) < len(frame) else ""
            return body + more

        k = 0 if lang == "zh" else 1

        def named(frame: pd.DataFrame) -> pd.DataFrame:
            """Ids and codes as words of the page's language."""
            out = frame.copy()
            for col in ("tier", "product", "indicator"):
                if col in out:
                    out[col] = out[col].map(lambda v: self.labels.get(v, (v, v))[k])
            for col in ("move", "stage", "flag_before", "flag_after"):
                if col in out:
                    out[col] = out[col].map(lambda v: t.get(v, v) if isinstance(v, str) else v)
            if "group" in out and lang == "zh":
                out["group"] = out["group"].map(lambda v: _GROUPS_ZH.get(v, v))
            return out

        summary = self.summary.assign(metric=self.summary["metric"].map(lambda m: t.get(m, m)),
                                      value=self.summary["value"].map(_fmt))
        eff = named(self.effective)
        parts = [
            f"<!DOCTYPE html><html lang=\"{'zh-CN' if lang == 'zh' else 'en'}\"><head><meta charset=\"utf-8\">",
            f"<title>{html.escape(t['title'])}</title><style>{_CSS}</style></head><body>",
            f"<h1>{html.escape(t['title'])}</h1>",
            f"<p>{html.escape(t['compare'].format(old=self.old, new=self.new, month=self.month))}</p>",
            f"<h2>{t['h_summary']}</h2>", table(summary),
            f"<h2>{t['tiers']}</h2>", table(named(self.tiers)), table(named(self.tier_moves), ["tier", "move"]),
            f"<h2>{t['products']}</h2>", table(named(self.products)), table(named(self.crossings), ["product", "move"]),
            f"<h2>{t['h_effective']}</h2><p>{t['effective_note']}</p>", table(eff),
            "</body></html>\n",
        ]
        return "\n".join(parts)


def _fmt(v) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{v:.4f}" if abs(v) < 10 else f"{v:,.1f}"
    return f"{v:,}" if isinstance(v, (int, np.integer)) else str(v)


_CSS = ("body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:2em;color:#222}"
        "table{border-collapse:collapse;margin:0.5em 0 1em}td,th{border:1px solid #ccc;padding:2px 8px;"
        "text-align:right}th{background:#f3f3f3}td:first-child{text-align:left}")  # noqa: E501

_GROUPS_ZH = {"technology": "技术创新", "growth": "成长经营", "auxiliary": "辅助"}

_T = {
    "en": {"title": "Weights diff", "compare": "{old} against {new} on {month}", "h_summary": "Rankings",
           "enterprises": "enterprises", "spearman": "Spearman rank correlation", "kendall": "Kendall tau-b",
           "mean_abs_rank_change": "mean absolute rank change", "max_abs_rank_change": "largest rank change",
           "tier_moves": "moves in or out of a tier", "crossings": "product eligibility changes",
           "tiers": "十百千万 tiers", "products": "products' points thresholds",
           "h_effective": "Effective weights",
           "effective_note": "importance: the share of the stage's points variance an indicator explains, "
                             "divided by the stage's sum; flagged when below half or above twice its weight.",
           "none": "none", "more": "... and {} more (all of them in the CSV files)",
           "startup": "startup", "growth": "growth", "mature": "mature"},
    "zh": {"title": "积分权重调整对比", "compare": "{old} 与 {new} 对比（{month}）", "h_summary": "排名变化",
           "enterprises": "企业数", "spearman": "Spearman 秩相关系数", "kendall": "Kendall tau-b",
           "mean_abs_rank_change": "平均名次变动", "max_abs_rank_change": "最大名次变动",
           "tier_moves": "进出梯队企业数", "crossings": "产品准入变化企业数",
           "tiers": "十百千万梯队", "products": "产品积分门槛",
           "h_effective": "有效权重",
           "effective_note": "重要性：指标对同阶段积分方差的解释份额（按阶段归一）；低于权重一半或高于两倍时标注。",
           "none": "无", "more": "…… 另有 {} 条（全部见 CSV 文件）",
           "metric": "指标", "value": "数值", "tier": "梯队", "before": "调整前", "after": "调整后", "in": "新进",
           "out": "退出", "kept": "保留", "move": "变动", "enterprise_id": "统一社会信用代码", "name": "企业名称",
           "points_before": "调整前积分", "points_after": "调整后积分", "rank_before": "调整前名次",
           "rank_after": "调整后名次", "product": "产品", "threshold": "积分门槛", "stage": "阶段",
           "indicator": "指标", "group": "维度", "weight_before": "调整前权重", "weight_after": "调整后权重",
           "importance_before": "调整前重要性", "importance_after": "调整后重要性", "flag_before": "调整前标注",
           "flag_after": "调整后标注", "startup": "初创期", "growth": "成长期", "mature": "成熟期",
           "below": "偏低", "above": "偏高", "unweighted": "未加权"},
}


def _ranks(total: np.ndarray, pd_values: np.ndarray) -> np.ndarray:
    """1 for the most points; equal points by PD (low first, missing last), then enterprise id."""
    x = np.nan_to_num(pd_values, nan=np.inf)
    order = np.lexsort((np.arange(len(total)), x, -total))
    out = np.empty(len(total), dtype=np.int64)
    out[order] = np.arange(1, len(total) + 1)
    return out


def diff(month: Month, old: PointsConfig, new: PointsConfig, old_name: str = "old", new_name: str = "new") -> WeightsDiff:
    """Compare the weights ``old`` and ``new`` on ``month``."""
    from scipy import stats

    from innoscore.matching.shortlists import eligible
    from innoscore.matching.tiers import fill_tiers

    names = month.names.to_numpy(object)
    ids = month.indicators.index.to_numpy()
    prep_old, prep_new = month.prepare(old), month.prepare(new)
    pts_old, pts_new = score(prep_old, old), score(prep_new, new)
    t_old, t_new = pts_old["total"].to_numpy(), pts_new["total"].to_numpy()
    pdv = month.pd_values
    r_old, r_new = _ranks(t_old, pdv), _ranks(t_new, pdv)
    n = len(ids)
    if n > 1 and np.ptp(t_old) > 0 and np.ptp(t_new) > 0:
        spearman = float(stats.spearmanr(t_old, t_new).statistic)
        kendall = float(stats.kendalltau(t_old, t_new).statistic)
    else:
        spearman = kendall = float("nan")
    pop_old, pop_new = month.with_points(pts_old), month.with_points(pts_new)

    # tiers, exactly as the matcher fills them
    enterprise_tiers = tuple(t for t in month.catalog.tiers if not isinstance(t, ProjectTier))
    f_old, f_new = fill_tiers(enterprise_tiers, pop_old), fill_tiers(enterprise_tiers, pop_new)
    position = pd.Index(ids)
    tier_rows, moves = [], []
    for tier in enterprise_tiers:
        a = set(f_old.loc[f_old["tier"] == tier.id, "enterprise_id"])
        b = set(f_new.loc[f_new["tier"] == tier.id, "enterprise_id"])
        tier_rows.append({"tier": tier.id, "before": len(a), "after": len(b),
                          "in": len(b - a), "out": len(a - b), "kept": len(a & b)})
        for move, who in (("in", b - a), ("out", a - b)):
            rows = position.get_indexer(sorted(who))
            moves.append(_named(rows, ids, names, t_old, t_new, r_old, r_new).assign(tier=tier.id, move=move))
    tier_moves = _frame(moves, ["tier", "move"])

    # products: who becomes or stops being eligible (consent aside)
    prod_rows, crossings = [], []
    floors = thresholds(month.catalog)
    for p in month.catalog.products:
        if not any(_fields(r) & set(POINTS_FIELDS) for r in p.rules):
            continue
        a, _ = eligible(p, pop_old, consent=False)
        b, _ = eligible(p, pop_new, consent=False)
        prod_rows.append({"product": p.id, "threshold": floors.get(p.id, np.nan), "before": int(a.sum()),
                          "after": int(b.sum()), "in": int((b & ~a).sum()), "out": int((a & ~b).sum())})
        for move, rows in (("in", np.flatnonzero(b & ~a)), ("out", np.flatnonzero(a & ~b))):
            crossings.append(_named(rows, ids, names, t_old, t_new, r_old, r_new)
                             .assign(product=p.id, move=move, threshold=floors.get(p.id, np.nan)))
    crossings_frame = _frame(crossings, ["product", "move"], ["threshold"])

    e_old = effective_weights_table(prep_old, old, pts_old)
    e_new = effective_weights_table(prep_new, new, pts_new)
    keys = ["stage", "indicator", "group"]
    effective = e_old[keys + ["weight", "importance", "flag"]].merge(  # an indicator one side leaves out: 0
        e_new[keys + ["weight", "importance", "flag"]], on=keys, how="outer", suffixes=("_before", "_after"), sort=False)
    order = {n: i for i, n in enumerate(month.config.catalog.ids)}
    effective = effective.sort_values(["stage", "indicator"], key=lambda c: c.map(
        {s: i for i, s in enumerate(STAGES)} if c.name == "stage" else order), kind="stable")
    for c in ("weight_before", "weight_after"):
        effective[c] = effective[c].fillna(0.0)
    for c in ("flag_before", "flag_after"):
        effective[c] = effective[c].fillna("")
    effective = effective[keys + ["weight_before", "weight_after", "importance_before", "importance_after",
                                  "flag_before", "flag_after"]]
    change = np.abs(r_new - r_old)
    summary = pd.DataFrame({"metric": ["enterprises", "spearman", "kendall", "mean_abs_rank_change",
                                       "max_abs_rank_change", "tier_moves", "crossings"],
                            "value": pd.Series([n, spearman, kendall, float(change.mean()) if n else 0.0,
                                                int(change.max()) if n else 0, len(tier_moves),
                                                len(crossings_frame)], dtype=object)})
    return WeightsDiff(summary, pd.DataFrame(tier_rows, columns=["tier", "before", "after", "in", "out", "kept"]),
                       tier_moves, pd.DataFrame(prod_rows, columns=["product", "threshold", "before", "after", "in",
                                                                    "out"]),
                       crossings_frame, effective, old_name, new_name, month.as_of.isoformat(),
                       {**{n: (old.catalog[n].name_zh, n) for n in old.catalog.ids},
                        **{x.id: (x.name_zh, x.name_en) for x in (*enterprise_tiers, *month.catalog.products)}})


def _named(rows: np.ndarray, ids, names, t_old, t_new, r_old, r_new) -> pd.DataFrame:
    return pd.DataFrame({"enterprise_id": ids[rows], "name": names[rows], "points_before": t_old[rows],
                         "points_after": t_new[rows], "rank_before": r_old[rows], "rank_after": r_new[rows]})


def _frame(parts: list[pd.DataFrame], first: list[str], last: list[str] = ()) -> pd.DataFrame:
    cols = first + ["enterprise_id", "name", "points_before", "points_after", "rank_before", "rank_after"] + list(last)
    if not parts:
        return pd.DataFrame(columns=cols)
    parts = [p.sort_values("rank_after", kind="stable") for p in parts]  # in configuration order, then by rank
    return pd.concat(parts, ignore_index=True)[cols]
