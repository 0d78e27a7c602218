"""How stable the points ranking is: Monte Carlo over the weights and the scoring choices, and Sobol indices.

An analyst asks "if the weights were a little different, would this enterprise still be in the 1000?".
:func:`monte_carlo` re-scores the province ``draws`` times with perturbed weights (Dirichlet around
the current weights, or uniform ±x %) and, optionally, perturbed scoring choices (each reference value
moved by up to ±x %, log indicators scored capped-linear instead), and gives per enterprise the median
rank, the 5-95 % rank band, the probability of landing in each tier and of passing each points
threshold, and the enterprises on each boundary.  :func:`sobol` gives the first-order and total
Sobol indices of the weight groups (``scipy.stats.sobol_indices``) for the tiers' membership and the
rank correlation with the current ranking.

Ranks are 1 for the highest points.  The current ranking, tiers and thresholds ("now") are those of
:func:`innoscore.points.engine.score`'s points, exactly as the matcher ranks them: equal points by PD
(low first, missing last), then the given order (the enterprise id).  The draws add the weights up in
another order (matrix products), which changes the last bit; points are kept to :data:`DIGITS`
decimals in both, so that with zero noise every draw is the current ranking.  The ranks of every draw
are held for the bands: ``draws x enterprises x 4`` bytes (4 GB for 1000 draws of 10^6 enterprises).

This module knows nothing about products: tiers and thresholds come in as :class:`Level` and a
``{name: points}`` mapping (``innoscore.weights`` builds them from the product catalog).

Why one module of about 450 lines: the batch scorer, the draws and the ranking key are used together
by the Monte Carlo, the Sobol indices and the notebook's sliders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from innoscore.errors import InnoscoreError

from innoscore.indicators.enterprises import STAGES
from innoscore.points.config import POINT_GROUPS, PointsConfig
from innoscore.points.engine import POINT_DIGITS, Prepared, score

__all__ = ["Level", "top_levels", "Stability", "Scorer", "monte_carlo", "sobol", "SensitivityError", "DIGITS",
           "TOP_QUOTAS"]

DIGITS = POINT_DIGITS  # points are kept to 1e-9, as the engine keeps them
MAX_RANKS_GB = 8.0  # the ranks of every draw are held for the bands: at most this much memory
TOP_QUOTAS = (10, 100, 1000, 10000)  # 十百千万
WEIGHT_METHODS = ("dirichlet", "uniform")


class SensitivityError(InnoscoreError, ValueError):
    """Settings the analysis cannot use; the message says which and why."""


@dataclass(frozen=True)
class Level:
    """A tier: the first ``quota`` enterprises (by points, PD, id) among those ``eligible`` (None: all)
    with at least ``min_points``; an ``exclusive`` level leaves out those an earlier level took."""

    id: str
    quota: int
    eligible: np.ndarray | None = None
    min_points: float | None = None
    exclusive: bool = False


def top_levels(quotas: Sequence[int] = TOP_QUOTAS) -> tuple[Level, ...]:
    """Plain top-N levels of the whole ranking: ``top_10``, ``top_100``, ... (nested)."""
    return tuple(Level(f"top_{q}", int(q)) for q in quotas)


class Scorer:
    """Points of many weight sets at once, for the Monte Carlo: the same sums as
    :func:`innoscore.points.engine.score` (missing values of ``reweight`` indicators hand their weight
    to the rest of their group), as matrix products over a batch of weight sets."""

    def __init__(self, prep: Prepared, config: PointsConfig | None = None):
        config = config or prep.config
        self.prep, self.config = prep, config
        self.names = list(prep.indicators)
        k = len(self.names)
        self.weights = np.array([[config.weights[s].get(n, 0.0) for n in self.names] for s in STAGES])  # 3 x k
        self.group_cols = [np.flatnonzero(prep.group == g) for g in range(len(POINT_GROUPS))]
        if prep.reweight.any():  # the engine then scales each group's weights to the group's share exactly
            for s, stage in enumerate(STAGES):
                for g, cols in enumerate(self.group_cols):
                    total = self.weights[s, cols].sum()
                    if total > 0:
                        self.weights[s, cols] *= config.groups[stage][POINT_GROUPS[g]] / total
        self.rows = [np.flatnonzero(prep.stage == s) for s in range(len(STAGES))]
        extra = np.minimum(_row_sums(prep.bonus_items), config.bonus_cap) - \
            np.minimum(_row_sums(prep.penalty_items), config.penalty_cap)
        self.extra = [extra[r] for r in self.rows]
        present = (~np.isnan(prep.scores)) | ~prep.reweight[None, :] if k else np.ones((len(prep.stage), 0), bool)
        self.filled = [np.ascontiguousarray(prep.filled[r]) for r in self.rows]
        self.present = [present[r].astype("float64") for r in self.rows]
        self.reweighted = [bool(prep.reweight[c].any()) for c in self.group_cols]
        # the scoring choices: per linear or log indicator, its score before the cap at 1 under a
        # reference moved by a factor c is min(u * f(c), 1)
        rules = prep.config.rules_for(prep.year)[1]
        self.choice_cols = [j for j, n in enumerate(self.names) if rules[n].rule in ("linear", "log")]
        self.log_cols = [j for j in self.choice_cols if rules[self.names[j]].rule == "log"]
        self.rules = rules
        self._u_lin: list[np.ndarray] = []
        self._u_log: list[np.ndarray] = []
        if self.choice_cols:
            values = prep.values
            for r in self.rows:
                lin, log = [], []
                for j in self.choice_cols:
                    v, rule = values[r, j], rules[self.names[j]]
                    d = config.catalog[self.names[j]].direction
                    with np.errstate(divide="ignore", invalid="ignore"):
                        lin.append(v / rule.reference if d == 1 else np.where(v > 0, rule.reference / v, np.inf))
                        if rule.rule == "log":
                            top, L = np.log1p(rule.reference / rule.scale), np.log1p(np.maximum(v, 0.0) / rule.scale)
                            log.append(L / top if d == 1 else np.where(L > 0, top / L, np.inf))
                        else:
                            log.append(lin[-1])
                    missing = np.isnan(v)  # a missing value scores 0 whatever the rule
                    lin[-1] = np.where(missing, 0.0, lin[-1])
                    log[-1] = np.where(missing, 0.0, log[-1])
                self._u_lin.append(np.column_stack(lin))
                self._u_log.append(np.column_stack(log))
        self.n = len(prep.stage)

    def totals(self, weights: np.ndarray, filled: list[np.ndarray] | None = None) -> np.ndarray:
        """Points (n x B, kept to :data:`DIGITS` decimals like the engine's) for a batch of weight sets ``weights`` (B x 3 x k);
        ``filled`` replaces the indicator scores per stage (a draw of scoring choices)."""
        b = weights.shape[0]
        out = np.empty((self.n, b))
        for s, rows in enumerate(self.rows):
            if not len(rows):
                continue
            f = self.filled[s] if filled is None else filled[s]
            base = np.zeros((len(rows), b))
            for g, cols in enumerate(self.group_cols):
                if not len(cols):
                    continue
                w = weights[:, s, :][:, cols].T  # k_g x B
                share = w.sum(axis=0)
                num = f[:, cols] @ w
                if self.reweighted[g]:
                    kept = self.present[s][:, cols] @ w
                    with np.errstate(divide="ignore", invalid="ignore"):
                        base += np.where(kept > 0, num * (share / kept), 0.0)
                else:
                    base += num
            out[rows] = np.round(np.clip(100.0 * base + self.extra[s][:, None], 0.0, 100.0), POINT_DIGITS)
        return out

    def choices(self, factors: np.ndarray, linear: np.ndarray) -> list[np.ndarray]:
        """The indicator scores per stage with each linear or log indicator's reference times ``factors``
        (one per :attr:`choice_cols`) and the log indicators flagged in ``linear`` scored capped-linear."""
        out = []
        for s in range(len(self.rows)):
            f = self.filled[s].copy()
            if not len(self.rows[s]):
                out.append(f)
                continue
            for i, j in enumerate(self.choice_cols):
                rule, c = self.rules[self.names[j]], factors[i]
                d = self.config.catalog[self.names[j]].direction
                if rule.rule == "log" and not linear[i]:
                    top, top2 = np.log1p(rule.reference / rule.scale), np.log1p(c * rule.reference / rule.scale)
                    f[:, j] = np.clip(self._u_log[s][:, i] * (top / top2 if d == 1 else top2 / top), 0.0, 1.0)
                else:
                    f[:, j] = np.clip(self._u_lin[s][:, i] * (1.0 / c if d == 1 else c), 0.0, 1.0)
            out.append(f)
        return out


def _row_sums(items: pd.DataFrame) -> np.ndarray:
    out = np.zeros(len(items))
    for col in items.columns:
        out += items[col].to_numpy(dtype="float64")
    return out


@dataclass
class Stability:
    """What :func:`monte_carlo` found.

    ``enterprises`` (one row per enterprise, in the prepared order): ``points`` and ``rank`` now,
    ``median_rank``, ``rank_low`` and ``rank_high`` (the band's quantiles, e.g. 5 % and 95 %),
    ``level`` (the tier now, empty if none), ``p_<level>`` (share of draws in that tier) and
    ``p_pass_<threshold>`` (share of draws at or above that points threshold).
    ``boundaries`` (kind, target, enterprise_id, probability, now, rank, points): per tier and threshold
    (``target``), the enterprises whose share is neither ~0 nor ~1 (between
    the ``boundary`` limits), most uncertain first."""

    enterprises: pd.DataFrame
    boundaries: pd.DataFrame
    draws: int
    settings: dict = field(default_factory=dict)

    def boundary(self, name: str) -> pd.DataFrame:
        """The enterprises on one tier's or threshold's boundary."""
        out = self.boundaries[self.boundaries["target"] == name]
        if not len(out) and name not in set(self.settings.get("names", ())):
            raise SensitivityError(f"no tier or threshold {name!r}; known: {', '.join(self.settings['names'])}")
        return out


def _tie_ranks(n: int, pd_values: np.ndarray | None) -> np.ndarray:
    """Each row's place in the order that breaks equal points: PD low first (missing last), then row order."""
    x = np.zeros(n) if pd_values is None else np.asarray(pd_values, dtype="float64").copy()
    x[np.isnan(x)] = np.inf
    out = np.empty(n, dtype=np.int64)
    out[np.argsort(x, kind="stable")] = np.arange(n)
    return out


def _ranking(total: np.ndarray, tie: np.ndarray) -> np.ndarray:
    """Rows best first: points high first, equal points by ``tie`` (:func:`_tie_ranks`).

    Points are kept to 1e-9 and at most 100, so each is a whole number of nanopoints below 2^37; with the
    tie place in the low bits, one sort of distinct 64-bit keys gives the order (a stable sort of the
    points over the tie order took four times as long)."""
    n = len(total)
    bits = max(1, (n - 1).bit_length())
    if 37 + bits > 63 or not np.all(np.isfinite(total)):  # beyond 67 million enterprises: the plain way
        order = np.argsort(tie, kind="stable")
        return order[np.argsort(-total[order], kind="stable")]
    nano = np.rint(np.clip(total, 0.0, 100.0) * 10 ** DIGITS).astype(np.int64)
    return np.argsort(((100 * 10 ** DIGITS - nano) << bits) | tie)


def _members(order: np.ndarray, total: np.ndarray, levels: Sequence[Level]) -> list[np.ndarray]:
    taken = np.zeros(len(total), dtype=bool)
    out = []
    for lv in levels:
        ok = ~taken if lv.exclusive else np.ones(len(total), dtype=bool)
        if lv.eligible is not None:
            ok &= lv.eligible
        if lv.min_points is not None:
            ok &= total >= lv.min_points
        rows = order[ok[order]][:lv.quota]
        if lv.exclusive:
            taken[rows] = True
        out.append(rows)
    return out


def _check_levels(levels: Sequence[Level], n: int) -> None:
    ids = [lv.id for lv in levels]
    if len(set(ids)) != len(ids):
        raise SensitivityError(f"tier names repeat: {ids}")
    for lv in levels:
        if lv.quota < 0:
            raise SensitivityError(f"tier {lv.id}: quota must be >= 0; got {lv.quota}")
        if lv.eligible is not None and (np.shape(lv.eligible) != (n,) or np.asarray(lv.eligible).dtype != bool):
            raise SensitivityError(f"tier {lv.id}: eligible must be {n} booleans, one per enterprise")


def _weight_draws(rng: np.random.Generator, w0: np.ndarray, count: int, method: str, noise: float,
                  groups: np.ndarray, keep_groups: bool) -> np.ndarray:
    """``count`` weight sets (count x 3 x k) around ``w0`` (3 x k); each stage keeps its total (1)."""
    out = np.repeat(w0[None], count, axis=0)
    if noise == 0 or count == 0:
        return out
    for s in range(w0.shape[0]):
        pos = np.flatnonzero(w0[s] > 0)
        if method == "dirichlet":
            # concentration such that an average-sized weight has a relative standard deviation of `noise`
            k = len(pos)
            concentration = max((k - 1) / noise ** 2 - 1, 1e-6)
            out[:, s, pos] = rng.dirichlet(w0[s, pos] / w0[s, pos].sum() * concentration, size=count) * w0[s, pos].sum()
        else:
            out[:, s, pos] = w0[s, pos] * rng.uniform(1 - noise, 1 + noise, size=(count, len(pos)))
        if keep_groups:
            for g in np.unique(groups):
                cols = np.flatnonzero(groups == g)
                total = out[:, s, cols].sum(axis=1, keepdims=True)
                with np.errstate(invalid="ignore", divide="ignore"):
                    out[:, s, cols] = np.where(total > 0, out[:, s, cols] / total * w0[s, cols].sum(), 0.0)
        out[:, s] *= w0[s].sum() / out[:, s].sum(axis=1, keepdims=True)  # the stage's total stays
    return out


def monte_carlo(prep: Prepared, config: PointsConfig | None = None, *, draws: int = 1000,
                weights: str = "dirichlet", noise: float = 0.1, keep_groups: bool = False,
                references: float = 0.0, linear_share: float = 0.0,
                levels: Sequence[Level] | None = None, thresholds: Mapping[str, float] | None = None,
                pd_values: np.ndarray | None = None, band: tuple[float, float] = (5.0, 95.0),
                boundary: tuple[float, float] = (0.05, 0.95), seed: int = 0, batch: int = 50,
                max_ranks_gb: float = MAX_RANKS_GB) -> Stability:
    """Re-score ``draws`` times with perturbed weights and scoring choices.

    * ``weights``: ``"dirichlet"`` (each stage's weights drawn from a Dirichlet centred on the current
      ones, so concentrated that an average-sized weight varies by ``noise`` relative standard deviation)
      or ``"uniform"`` (each weight times a factor uniform in [1 - noise, 1 + noise], then re-normalised).
      ``keep_groups`` keeps each group's share fixed and moves weights only within groups.
    * ``references``: each linear or log reference value times a factor uniform in [1 - x, 1 + x]
      (the same in every stage); ``linear_share``: the chance that a log indicator is scored
      capped-linear (min(value / reference, 1)) in a draw.
    * ``levels``: the tiers (default: top 10, 100, 1000, 10000 of the ranking); ``thresholds``: points
      thresholds by name (e.g. each product's minimum); ``pd_values``: the PD per enterprise, to break
      equal points as the matcher does.
    Deterministic for a given ``seed``."""
    config = config or prep.config
    n = len(prep.stage)
    if weights not in WEIGHT_METHODS:
        raise SensitivityError(f"weights must be one of {', '.join(WEIGHT_METHODS)}; got {weights!r}")
    for name, v, top in (("noise", noise, np.inf), ("references", references, 0.99), ("linear_share", linear_share, 1.0)):
        if not (isinstance(v, (int, float)) and 0 <= v <= top):
            raise SensitivityError(f"{name} must be a number from 0 to {top:g}; got {v!r}")
    if weights == "uniform" and noise >= 1:
        raise SensitivityError(f"uniform noise must be below 1 (weights stay positive); got {noise:g}")
    if not isinstance(draws, (int, np.integer)) or draws < 1:
        raise SensitivityError(f"draws must be a whole number >= 1; got {draws!r}")
    lo, hi = band
    if not 0 <= lo <= hi <= 100:
        raise SensitivityError(f"band must be two percentiles 0 <= low <= high <= 100; got {band}")
    levels = tuple(top_levels() if levels is None else levels)
    _check_levels(levels, n)
    thresholds = dict(thresholds or {})
    if pd_values is not None and len(pd_values) != n:
        raise SensitivityError(f"pd_values has {len(pd_values)} values for {n} enterprises")
    need_gb = draws * n * 4 / 1e9
    if need_gb > max_ranks_gb:
        raise SensitivityError(f"{draws:,} draws x {n:,} enterprises hold {need_gb:.1f} GB of ranks (limit "
                               f"{max_ranks_gb:g} GB): use fewer draws, or raise max_ranks_gb if the memory is there")
    scorer = Scorer(prep, config)
    tie = _tie_ranks(n, pd_values)
    rng = np.random.default_rng(seed)
    w0 = scorer.weights
    base_total = score(prep, config)["total"].to_numpy(dtype="float64")  # the points as published
    base_order = _ranking(base_total, tie)
    base_rank = np.empty(n, dtype=np.int64)
    base_rank[base_order] = np.arange(1, n + 1)
    base_members = _members(base_order, base_total, levels)

    ranks = np.empty((draws, n), dtype=np.int32)
    in_level = np.zeros((len(levels), n), dtype=np.int64)
    passing = np.zeros((len(thresholds), n), dtype=np.int64)
    thr = np.array(list(thresholds.values()), dtype="float64")
    choices = references > 0 or linear_share > 0
    arange = np.arange(1, n + 1, dtype=np.int32)
    done = 0
    while done < draws:
        b = min(batch, draws - done)
        w = _weight_draws(rng, w0, b, weights, noise, prep.group, keep_groups)
        if choices:
            m = len(scorer.choice_cols)
            factors = rng.uniform(1 - references, 1 + references, size=(b, m)) if references > 0 else np.ones((b, m))
            is_log = np.isin(scorer.choice_cols, scorer.log_cols)
            linear = (rng.random((b, m)) < linear_share) & is_log if linear_share > 0 else np.zeros((b, m), bool)
            totals = np.column_stack([scorer.totals(w[i:i + 1], scorer.choices(factors[i], linear[i]))[:, 0]
                                      for i in range(b)])
        else:
            totals = scorer.totals(w)
        for i in range(b):
            t = totals[:, i]
            order = _ranking(t, tie)
            ranks[done + i, order] = arange
            for L, rows in enumerate(_members(order, t, levels)):
                in_level[L, rows] += 1
        for p, value in enumerate(thr):
            passing[p] += np.count_nonzero(totals >= value, axis=1)
        done += b

    q = np.zeros((3, n))
    for a in range(0, n, 16384):  # a block of enterprises at a time: no copy of every rank at once
        q[:, a:a + 16384] = np.quantile(ranks[:, a:a + 16384], [lo / 100, 0.5, hi / 100], axis=0,
                                        method="inverted_cdf")
    del ranks
    level_now = np.full(n, "", dtype=object)
    for lv, rows in zip(reversed(levels), reversed(base_members)):
        level_now[rows] = lv.id  # nested levels: the smallest that holds the enterprise
    cols = {"points": base_total, "rank": base_rank, "median_rank": q[1].astype(np.int64),
            "rank_low": q[0].astype(np.int64), "rank_high": q[2].astype(np.int64), "level": level_now}
    for L, lv in enumerate(levels):
        cols[f"p_{lv.id}"] = in_level[L] / draws
    for p, name in enumerate(thresholds):
        cols[f"p_pass_{name}"] = passing[p] / draws
    frame = pd.DataFrame(cols, index=prep.ids)
    frame.index.name = prep.ids.name or "enterprise_id"

    parts = []
    for kind, names, now in (("tier", [lv.id for lv in levels], [np.isin(np.arange(n), r) for r in base_members]),
                             ("threshold", list(thresholds), [base_total >= v for v in thr])):
        for name, inside in zip(names, now):
            col = f"p_{name}" if kind == "tier" else f"p_pass_{name}"
            p = frame[col].to_numpy()
            rows = np.flatnonzero((p > boundary[0]) & (p < boundary[1]))
            rows = rows[np.lexsort((base_rank[rows], np.abs(p[rows] - 0.5)))]
            parts.append(pd.DataFrame({"kind": kind, "target": name, "enterprise_id": np.asarray(prep.ids)[rows],
                                       "probability": p[rows], "now": inside[rows], "rank": base_rank[rows],
                                       "points": base_total[rows]}))
    boundaries = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["kind", "target", "enterprise_id", "probability", "now", "rank", "points"])
    settings = {"weights": weights, "noise": noise, "keep_groups": keep_groups, "references": references,
                "linear_share": linear_share, "band": band, "boundary": boundary, "seed": seed,
                "names": [lv.id for lv in levels] + list(thresholds)}
    return Stability(frame, boundaries, draws, settings)


def sobol(prep: Prepared, config: PointsConfig | None = None, *, noise: float = 0.2, samples: int = 128,
          levels: Sequence[Level] | None = None, pd_values: np.ndarray | None = None, factors: str = "groups",
          seed: int = 0) -> pd.DataFrame:
    """First-order and total Sobol indices of the weight groups (``factors="groups"``: each group's share
    times a factor uniform in [1 - noise, 1 + noise], every stage alike) or of each indicator's weight
    (``"indicators"``) for: the share of each tier's current members that stay in it, and the Spearman
    correlation of the ranking with the current one.  ``samples`` (a power of 2) base samples;
    the outputs are computed ``samples x (factors + 2)`` times.  Rows: one per output and factor."""
    from scipy import stats

    config = config or prep.config
    n = len(prep.stage)
    if factors not in ("groups", "indicators"):
        raise SensitivityError(f"factors must be groups or indicators; got {factors!r}")
    if not 0 < noise < 1:
        raise SensitivityError(f"noise must be in (0, 1); got {noise!r}")
    if samples < 2 or samples & (samples - 1):
        raise SensitivityError(f"samples must be a power of 2 (Sobol' sequence); got {samples}")
    levels = tuple(top_levels() if levels is None else levels)
    _check_levels(levels, n)
    scorer = Scorer(prep, config)
    tie = _tie_ranks(n, pd_values)
    w0 = scorer.weights
    if factors == "groups":
        names = [g for g in POINT_GROUPS if len(scorer.group_cols[POINT_GROUPS.index(g)])]
        of = np.array([names.index(POINT_GROUPS[g]) for g in prep.group])  # factor of each indicator
    else:
        names = list(scorer.names)
        of = np.arange(len(names))
    base_total = score(prep, config)["total"].to_numpy(dtype="float64")
    base_order = _ranking(base_total, tie)
    base_rank = np.empty(n)
    base_rank[base_order] = np.arange(1, n + 1)
    base_members = [set(r.tolist()) for r in _members(base_order, base_total, levels)]
    outputs = [f"kept_{lv.id}" for lv in levels] + ["spearman"]

    def func(x: np.ndarray) -> np.ndarray:
        out = np.empty((len(outputs), x.shape[1]))
        for start in range(0, x.shape[1], 50):
            xs = x[:, start:start + 50]
            w = w0[None] * xs.T[:, of][:, None, :]
            w = w / w.sum(axis=2, keepdims=True) * w0.sum(axis=1)[None, :, None]  # each stage keeps its total
            totals = scorer.totals(w)
            for i in range(xs.shape[1]):
                order = _ranking(totals[:, i], tie)
                rank = np.empty(n)
                rank[order] = np.arange(1, n + 1)
                for L, rows in enumerate(_members(order, totals[:, i], levels)):
                    now = base_members[L]
                    out[L, start + i] = len(now.intersection(rows.tolist())) / len(now) if now else 1.0
                out[-1, start + i] = np.corrcoef(rank, base_rank)[0, 1] if n > 1 else 1.0
        return out

    dists = [stats.uniform(loc=1 - noise, scale=2 * noise)] * len(names)
    res = stats.sobol_indices(func=func, n=samples, dists=dists, rng=np.random.default_rng(seed))
    first, total = np.atleast_2d(res.first_order), np.atleast_2d(res.total_order)
    rows = [{"output": o, "factor": f, "first_order": first[i, j], "total": total[i, j]}
            for i, o in enumerate(outputs) for j, f in enumerate(names)]
    return pd.DataFrame(rows)
