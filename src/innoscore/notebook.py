"""Helpers for the analysts' notebooks (``notebooks/``): find the demo's results, and weight sliders.

:class:`WeightSliders` re-scores the whole province as a slider moves (one slider per group share
and per indicator of a stage) and shows the top of the ranking and who moves in or out of each tier.
Its :meth:`WeightSliders.update` does the work and returns plain frames, so it is usable (and tested)
without a browser; :meth:`WeightSliders.widget` wraps it in ipywidgets.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from innoscore.errors import UsageError
from innoscore.indicators.enterprises import STAGES
from innoscore.points.config import POINT_GROUPS, PointsConfig, PointsConfigError
from innoscore.points.engine import Prepared, score
from innoscore.points.sensitivity import Level, Scorer, _members, _ranking, _tie_ranks
from innoscore.weights import Month, levels

__all__ = ["demo_folder", "latest_run", "WeightSliders"]


def demo_folder(default: str | Path = "../demo") -> Path:
    """The demo's folder: ``INNOSCORE_DEMO`` if set, else ``default`` (relative to the notebook)."""
    folder = Path(os.environ.get("INNOSCORE_DEMO", default)).expanduser().resolve()
    if not (folder / "runs").is_dir():
        raise UsageError(f"{folder} holds no runs/: run `make demo` at the repository's top first, or set "
                         "INNOSCORE_DEMO to a folder `innoscore demo --out FOLDER` made")
    return folder


def latest_run(folder: str | Path) -> Path:
    """The latest published month under ``folder/runs``."""
    runs = sorted(p for p in (Path(folder) / "runs").iterdir() if p.is_dir() and not p.name.startswith("."))
    if not runs:
        raise UsageError(f"{folder}/runs holds no published month")
    return runs[-1]


class WeightSliders:
    """Live re-scoring for one stage's weights: group shares and, within each group, indicator weights
    (relative: a group's indicator sliders are divided by their sum).  ``top`` rows of the ranking are
    shown, with the moves in and out of each tier of the catalog."""

    def __init__(self, prep: Prepared, config: PointsConfig | None = None, *, levels: Sequence[Level] = (),
                 pd_values: np.ndarray | None = None, names: np.ndarray | None = None, stage: str = "growth",
                 top: int = 15):
        if stage not in STAGES:
            raise UsageError(f"stage must be one of {', '.join(STAGES)}; got {stage!r}")
        self.config, self.stage, self.top = config or prep.config, stage, top
        self.prep = prep
        self.scorer = Scorer(self.prep, self.config)
        self.levels = tuple(levels)
        self.tie = _tie_ranks(len(self.prep.stage), pd_values)
        self.names = np.asarray(names, dtype=object) if names is not None else np.full(len(prep.stage), "", object)
        s = STAGES.index(stage)
        self.base_weights = self.scorer.weights.copy()
        self.groups = {g: [n for j, n in enumerate(self.prep.indicators) if self.prep.group[j] == POINT_GROUPS.index(g)]
                       for g in POINT_GROUPS}
        self.values: dict[str, float] = {f"group:{g}": self.config.groups[stage][g] for g in POINT_GROUPS}
        for j, n in enumerate(self.prep.indicators):
            self.values[n] = float(self.base_weights[s, j])
        total = score(self.prep, self.config)["total"].to_numpy(dtype="float64")  # the points as published
        self.base_total = total
        self.base_members = [self._mask(r) for r in _members(_ranking(total, self.tie), total, self.levels)]

    @classmethod
    def for_month(cls, month: Month, config: PointsConfig | None = None, stage: str = "growth",
                  top: int = 15) -> "WeightSliders":
        """Sliders over one month, with the catalog's tiers and the month's PD to break equal points."""
        config = config or month.config
        return cls(month.prepare(config), config, levels=levels(month), pd_values=month.pd_values,
                   names=month.names.to_numpy(object), stage=stage, top=top)

    def _mask(self, rows: np.ndarray) -> np.ndarray:
        out = np.zeros(len(self.prep.stage), dtype=bool)
        out[rows] = True
        return out

    def weights(self, **changes: float) -> np.ndarray:
        """The 3 x k weights with the stage's sliders at their values (after ``changes``)."""
        for key, v in changes.items():  # every change checked before any is taken
            if key not in self.values:
                raise UsageError(f"no slider {key!r}; sliders: {', '.join(self.values)}")
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) or v < 0:
                raise UsageError(f"slider {key}: a weight is a number >= 0; got {v!r}")
        self.values.update({k: float(v) for k, v in changes.items()})
        w = self.base_weights.copy()
        s = STAGES.index(self.stage)
        shares = np.array([self.values[f"group:{g}"] for g in POINT_GROUPS])
        if shares.sum() <= 0:
            raise UsageError("the group shares cannot all be 0")
        shares = shares / shares.sum()
        for gi, g in enumerate(POINT_GROUPS):
            cols = [self.prep.indicators.index(n) for n in self.groups[g]]
            raw = np.array([self.values[n] for n in self.groups[g]])
            w[s, cols] = raw / raw.sum() * shares[gi] if raw.sum() > 0 else 0.0
        return w

    def config_now(self) -> PointsConfig:
        """The configuration the sliders show (to diff or save)."""
        w = self.weights()
        s = STAGES.index(self.stage)
        weights = {st: dict(self.config.weights[st]) for st in STAGES}
        weights[self.stage] = {n: float(w[s, j]) for j, n in enumerate(self.prep.indicators)}
        groups = {st: dict(self.config.groups[st]) for st in STAGES}
        groups[self.stage] = {g: float(sum(weights[self.stage][n] for n in self.groups[g])) for g in POINT_GROUPS}
        return self.config.with_weights(weights, groups)

    def update(self, **changes: float) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Re-score with the sliders (after ``changes``): the top of the ranking, and per tier the
        enterprises moving in or out against the configuration's weights."""
        total = self.scorer.totals(self.weights(**changes)[None])[:, 0]
        order = _ranking(total, self.tie)
        head = order[:self.top]
        top = pd.DataFrame({"enterprise_id": self.prep.ids[head], "name": self.names[head],
                            "stage": np.asarray(STAGES)[self.prep.stage[head]], "points": total[head],
                            "before": self.base_total[head]}, index=pd.RangeIndex(1, len(head) + 1, name="rank"))
        rows = []
        for lv, now, before in zip(self.levels, _members(order, total, self.levels), self.base_members):
            now = self._mask(now)
            for move, who in (("in", now & ~before), ("out", before & ~now)):
                r = np.flatnonzero(who)
                r = r[np.argsort(-total[r], kind="stable")]
                rows.append(pd.DataFrame({"tier": lv.id, "move": move, "enterprise_id": self.prep.ids[r],
                                          "name": self.names[r], "points": total[r], "before": self.base_total[r]}))
        moves = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
            columns=["tier", "move", "enterprise_id", "name", "points", "before"])
        return top, moves

    def widget(self):
        """The sliders and what they show, as an ipywidgets box (display it in a notebook)."""
        import ipywidgets as widgets
        from IPython.display import display

        out = widgets.Output()
        sliders = {}
        for key, value in self.values.items():
            label = key.replace("group:", "share of ") if key.startswith("group:") else f"  {key}"
            sliders[key] = widgets.FloatSlider(value=round(value, 4), min=0.0, max=max(0.5, 2 * value), step=0.005,
                                               description=label, readout_format=".3f", continuous_update=False,
                                               style={"description_width": "180px"},
                                               layout=widgets.Layout(width="520px"))

        def show(_=None):
            top, moves = self.update(**{k: s.value for k, s in sliders.items()})
            summary = moves.groupby(["tier", "move"]).size().unstack(fill_value=0) if len(moves) else "no tier moves"
            try:
                self.config_now()
                verdict = None
            except PointsConfigError as exc:  # shown, not raised: the analyst is exploring
                verdict = f"not a valid weights file: {exc}"
            with out:
                out.clear_output(wait=True)
                if verdict:
                    print(verdict)
                display(top.style.format({"points": "{:.2f}", "before": "{:.2f}"}))
                display(summary)

        for s in sliders.values():
            s.observe(show, names="value")
        show()
        title = widgets.HTML(f"<b>{self.stage} stage weights</b>: group shares, then indicator weights within each "
                             "group (relative); the province is re-scored as a slider moves")
        return widgets.HBox([widgets.VBox([title, *sliders.values()]), out])
