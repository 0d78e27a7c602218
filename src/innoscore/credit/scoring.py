"""PD, score, grade and reasons of every enterprise as of one date, from a trained model."""

from __future__ import annotations

import pandas as pd

from innoscore.config import ConfigError

__all__ = ["score_enterprises", "reason_texts"]


def score_enterprises(model, indicators: pd.DataFrame, k: int = 3) -> pd.DataFrame:
    """One row per enterprise of ``indicators`` (indexed by enterprise id): ``enterprise_id``, ``pd``,
    ``score``, ``grade`` and ``reason_1`` ... ``reason_k`` (the features pushing the PD up most).

    ``indicators`` must hold the model's features (``model.feature_names_in_``); a missing one is
    refused with its name rather than scored as missing.
    """
    features = list(model.feature_names_in_)
    missing = [f for f in features if f not in indicators.columns]
    if missing:
        raise ConfigError(f"the indicator table lacks the model's features {', '.join(missing)}; was the model "
                         "trained with another indicator catalog?")
    X = indicators[features].astype("float64")
    pd_ = model.predict_pd(X)
    reasons = model.reasons(X, k=k)
    out = pd.DataFrame({"enterprise_id": indicators.index.astype(str).to_numpy(), "pd": pd_,
                        "score": model.score_of(pd_), "grade": model.grade_of(pd_)})
    for i in range(1, k + 1):
        out[f"reason_{i}"] = reasons[f"reason_{i}"].to_numpy(object) if f"reason_{i}" in reasons else None
    return out


def reason_texts(model) -> dict[str, tuple[str, str]]:
    """Each feature's reason text as (Chinese, English)."""
    out = {}
    for f, t in dict(model.texts or {}).items():
        out[f] = (t[0], t[1]) if isinstance(t, (tuple, list)) and len(t) == 2 else (str(t), str(t))
    return out
