"""Training the credit model on a data folder: panel, fit, out-of-time evaluation, baseline, plots."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from innoscore.credit.config import CreditConfig, Gates, load_credit_config
from innoscore.credit.metrics import calibration_table, evaluate, grade_backtest, psi
from innoscore.credit.model import CreditModel
from innoscore.credit.panel import Panel, PanelError, training_panel
from innoscore.indicators import load_catalog
from innoscore.indicators.catalog import Catalog

__all__ = ["TrainResult", "train", "model_from_config", "baseline_logistic", "fingerprint", "gate_results",
           "flat_metrics", "format_result", "calibration_plot", "describe"]


@dataclass
class TrainResult:
    model: CreditModel
    panel: Panel
    metrics: dict[str, dict[str, float]]  # split -> figures of CreditModel
    baseline: dict[str, float]  # test figures of the logistic regression on the same features
    backtest: pd.DataFrame
    calibration: pd.DataFrame
    score_psi: float
    fit_seconds: float
    fingerprint: str
    config: CreditConfig
    extra: dict = field(default_factory=dict)


def model_from_config(config: CreditConfig, catalog: Catalog, features: list[str]) -> CreditModel:
    """A CreditModel with the catalog's directions (higher is better -> PD falls) and the config's
    settings; what the file leaves out takes CreditModel's defaults."""
    return CreditModel(**config.model, monotone={f: -catalog[f].direction for f in features},
                       scaling=config.scaling, grades=config.grades, texts={f: _texts(catalog, f) for f in features})


def _texts(catalog: Catalog, feature: str) -> tuple[str, str]:
    """The reason a feature gives when it raises the PD, in Chinese and English: a quantity is too low or too
    high; a yes/no feature (unit flag) is, or is not, the case."""
    ind = catalog[feature]
    if ind.unit == "flag":
        name_en = feature.replace("_", " ")
        return (f"非{ind.name_zh}", f"not {name_en}") if ind.direction == 1 else \
            (f"是{ind.name_zh}", f"{name_en}: yes")
    worse = "偏低" if ind.direction == 1 else "偏高"
    return (f"{ind.name_zh}{worse}", f"{ind.description} is {'low' if ind.direction == 1 else 'high'}")


def baseline_logistic():
    """The plain logistic regression every training run is compared with."""
    return make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler(),
                         LogisticRegression(max_iter=2000))


def fingerprint(data) -> str:
    """SHA-256 of the input files of a data folder (or of the tables' contents)."""
    h = hashlib.sha256()
    source = getattr(data, "source", None)
    files = getattr(data, "files", {})
    if source is not None and files:
        for name in sorted(files):
            path = Path(source) / files[name]
            h.update(name.encode())
            with open(path, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
        meta = Path(source) / "dataset.yaml"
        if meta.exists():
            h.update(meta.read_bytes())
    else:
        for name, frame in sorted(data.items()):
            h.update(name.encode())
            h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def gate_results(metrics: dict[str, float], gates: Gates) -> dict[str, tuple[bool, str]]:
    """Each configured promotion gate: passed?, and what was measured against what. ``metrics``
    are the flat figures of :func:`flat_metrics` (as MLflow keeps them)."""
    def get(key: str) -> float:
        return float(metrics.get(key, float("nan")))

    out = {}
    if gates.min_auc is not None:
        v = get("test_auc")
        out["min_auc"] = (v >= gates.min_auc, f"test AUC {v:.4f} (minimum {gates.min_auc})")
    if gates.max_ece is not None:
        v = get("test_ece")
        out["max_ece"] = (v <= gates.max_ece, f"test expected calibration error {v:.4f} (maximum {gates.max_ece})")
    if gates.max_score_psi is not None:
        v = get("score_psi")
        out["max_score_psi"] = (v <= gates.max_score_psi,
                                f"score PSI calibration->test {v:.4f} (maximum {gates.max_score_psi})")
    if gates.min_auc_over_baseline is not None:
        v = get("test_auc") - get("baseline_test_auc")
        out["min_auc_over_baseline"] = (v >= gates.min_auc_over_baseline,
                                        f"test AUC {get('test_auc'):.4f} vs the logistic baseline's "
                                        f"{get('baseline_test_auc'):.4f}: {v:+.4f} "
                                        f"(minimum {gates.min_auc_over_baseline:+})")
    if gates.calibration_in_the_large:
        lo, hi, mean = get("test_observed_ci_low"), get("test_observed_ci_high"), get("test_mean_pd")
        out["calibration_in_the_large"] = (lo <= mean <= hi, f"test mean PD {mean:.4f} vs observed default rate "
                                                             f"{get('test_observed_rate'):.4f}, 95% interval "
                                                             f"[{lo:.4f}, {hi:.4f}]")
    return out


def train(data, config: CreditConfig | None = None, catalog: Catalog | None = None) -> TrainResult:
    """Build the panel, fit CreditModel on train (+ calibration slice), evaluate out of time."""
    config = config or load_credit_config()
    catalog = catalog or load_catalog()
    panel = training_panel(data, config, catalog)
    frame, features = panel.frame, panel.features
    parts = {s: frame[frame["split"] == s] for s in ("train", "calibration", "test")}
    for name, part in parts.items():
        if len(part) == 0 or part["default"].nunique() < 2:
            first, last = (frame["as_of"].min().date(), frame["as_of"].max().date()) if len(frame) else (None, None)
            raise PanelError(f"the {name} slice of the credit panel has {len(part)} rows and "
                             f"{int(part['default'].sum()) if len(part) else 0} defaults; it needs both outcomes. "
                             f"The data give observation dates {first} .. {last} (the last whose "
                             f"{panel.horizon_months}-month window is complete); the slices are set by "
                             f"panel.first_observation / train_until / calibration_until in {config.source}")
    model = model_from_config(config, catalog, features)
    t0 = time.perf_counter()
    # folds by enterprise: an enterprise's rows at successive month-ends share most of their 12-month
    # windows, so they must not train and judge each other
    model.fit(parts["train"][features], parts["train"]["default"], parts["calibration"][features],
              parts["calibration"]["default"], groups=parts["train"]["enterprise_id"].to_numpy())
    fit_seconds = time.perf_counter() - t0
    bins = config.evaluation.ece_bins
    metrics = {}
    pds = {}
    for name, part in parts.items():
        pds[name] = model.predict_pd(part[features])
        metrics[name] = evaluate(part["default"].to_numpy(), pds[name], bins, groups=part["enterprise_id"].to_numpy())
    # the baseline learns from every row CreditModel sees (it needs no calibration slice)
    seen = pd.concat([parts["train"], parts["calibration"]])
    base = baseline_logistic().fit(seen[features], seen["default"])
    baseline = evaluate(parts["test"]["default"].to_numpy(), base.predict_proba(parts["test"][features])[:, 1], bins,
                        groups=parts["test"]["enterprise_id"].to_numpy())
    order = [g.grade for g in config.grades]
    backtest = grade_backtest(parts["test"]["default"].to_numpy(), pds["test"], model.grade_of(pds["test"]), order,
                              groups=parts["test"]["enterprise_id"].to_numpy())
    calibration = calibration_table(parts["test"]["default"].to_numpy(), pds["test"], bins)
    score_psi = psi(model.score_of(pds["calibration"]), model.score_of(pds["test"]), config.evaluation.psi_bins)
    return TrainResult(model, panel, metrics, baseline, backtest, calibration, score_psi, fit_seconds,
                       fingerprint(data), config)


def flat_metrics(result: TrainResult) -> dict[str, float]:
    """Every figure as one flat mapping, the names MLflow and the gates use."""
    out = {f"{split}_{k}": v for split, m in result.metrics.items() for k, v in m.items()}
    out.update({f"baseline_test_{k}": v for k, v in result.baseline.items()})
    out["score_psi"] = result.score_psi
    out["fit_seconds"] = result.fit_seconds
    return out


def calibration_plot(result: TrainResult, path: Path) -> Path:
    """Observed default rate against mean PD per equal-mass bin, on the test slice."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = result.calibration
    fig, ax = plt.subplots(figsize=(5, 5))
    top = float(max(t["mean_pd"].max(), t["observed"].max())) * 1.1 or 0.01
    ax.plot([0, top], [0, top], color="grey", lw=1, ls="--", label="perfect calibration")
    ax.plot(t["mean_pd"], t["observed"], marker="o", label="CreditModel (test)")
    ax.set_xlabel("mean predicted PD")
    ax.set_ylabel("observed default rate")
    ax.set_title("calibration on the out-of-time test")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def describe(model: CreditModel) -> str:
    """The structure a fitted CreditModel chose, in a line."""
    shape = "straight lines" if model.segments_ == 1 else f"{model.segments_} ramps per feature"
    verified = f", {len(model.monotonicity_)} directions verified" if model.monotonicity_ else ""
    return (f"regression on {shape} (C {model.C_:g}) + {model.n_trees_} trees, calibration "
            f"{model.calibration_method_}{verified}")


def format_result(result: TrainResult) -> str:
    m, b = result.metrics["test"], result.baseline
    lines = [f"panel: {len(result.panel.frame):,} rows x {len(result.panel.features)} features; "
             + ", ".join(f"{s} {int(result.metrics[s]['rows']):,} rows / {int(result.metrics[s]['defaults']):,} defaults"
                         for s in ("train", "calibration", "test")),
             f"model: {describe(result.model)}; fit {result.fit_seconds:.1f} s",
             "out-of-time test     AUC     Gini    KS      Brier    log loss  ECE     mean PD  observed [95% CI]"]
    for name, f in (("CreditModel", m), ("logistic baseline", b)):
        lines.append(f"  {name:18s} {f['auc']:.4f}  {f['gini']:.4f}  {f['ks']:.4f}  {f['brier']:.5f}  "
                     f"{f['log_loss']:.5f}   {f['ece']:.4f}  {f['mean_pd']:.4f}   {f['observed_rate']:.4f} "
                     f"[{f['observed_ci_low']:.4f}, {f['observed_ci_high']:.4f}]")
    lines.append(f"score PSI calibration -> test: {result.score_psi:.4f}")
    lines.append("per-grade backtest (test):")
    bt = result.backtest.copy()
    lines.append(bt.to_string(float_format=lambda v: f"{v:.4f}"))
    return "\n".join(lines)
