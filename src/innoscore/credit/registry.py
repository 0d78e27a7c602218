"""Tracking and registering the credit model in MLflow, and promoting a version to ``champion``."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

from innoscore.credit.config import Gates
from innoscore.credit.train import TrainResult, calibration_plot, flat_metrics, gate_results

__all__ = ["tracking_uri", "log_training", "train_and_register", "promote", "load_model", "load_model_uri", "load_credit_model", "model_version", "check_store", "DEFAULT_TRACKING_URI", "EXPERIMENT",
           "CHAMPION"]

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"  # in the working directory
EXPERIMENT = "innoscore-credit"
CHAMPION = "champion"


def tracking_uri(value: str | None = None) -> str:
    """--tracking-uri, else MLFLOW_TRACKING_URI, else a SQLite file in the working directory."""
    return value or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI


def _mlflow(uri: str):
    import mlflow

    # the operator reads our summary: no database-migration notes; the model is stored with
    # cloudpickle on purpose (it is our own class), so no warning about it either
    logging.getLogger("mlflow.store.db.utils").setLevel(logging.WARNING)
    logging.getLogger("mlflow.sklearn").setLevel(logging.ERROR)
    mlflow.set_tracking_uri(uri)
    return mlflow


def _experiment(mlflow, uri: str, name: str = EXPERIMENT) -> None:
    """Select the experiment; a new one on a SQLite store keeps its artifacts beside the database
    (``mlartifacts/``) rather than in whatever folder the command runs from."""
    if mlflow.get_experiment_by_name(name) is None and uri.startswith("sqlite:///"):
        db = Path(uri[len("sqlite:///"):]).resolve()
        mlflow.create_experiment(name, artifact_location=(db.parent / "mlartifacts").as_uri())
    mlflow.set_experiment(name)


def log_training(result: TrainResult, uri: str | None = None, data_dir: str | None = None) -> tuple[str, str]:
    """Log params, metrics, plots, configuration and data fingerprint; register the model.

    Returns ``(run_id, version)`` of the new version of the registered model.
    """
    from mlflow.models import infer_signature

    uri = tracking_uri(uri)
    mlflow = _mlflow(uri)
    name = result.config.registered_model
    _experiment(mlflow, uri)
    model = result.model
    features = result.panel.features
    test = result.panel.frame[result.panel.frame["split"] == "test"]
    example = test[features].head(5).astype("float64")
    with mlflow.start_run() as run, tempfile.TemporaryDirectory() as tmp:
        params = {"segments": model.segments_, "regression_C": model.C_, "trees": model.n_trees_,
                  "calibration": model.calibration_method_, "features": len(features),
                  "horizon_months": result.panel.horizon_months,
                  **{f"lgbm_{k}": v for k, v in model.tree_params_.items() if k not in ("monotone_constraints",)}}
        for key in ("first_observation", "train_until", "calibration_until"):
            params[f"panel_{key}"] = str(getattr(result.config.panel, key))
        mlflow.log_params(params)
        mlflow.log_metrics(flat_metrics(result))
        mlflow.set_tags({"data_fingerprint": result.fingerprint, "data_dir": str(data_dir or ""),
                         "selection": json.dumps(model.selection_),
                         "monotonicity": json.dumps(model.monotonicity_)})
        folder = Path(tmp)
        calibration_plot(result, folder / "calibration_curve.png")
        result.backtest.to_csv(folder / "grade_backtest.csv")
        result.calibration.to_csv(folder / "calibration_table.csv", index=False)
        (folder / "features.json").write_text(json.dumps(features, ensure_ascii=False, indent=1), encoding="utf-8")
        if Path(result.config.source).is_file():
            shutil.copy(result.config.source, folder / "credit.yaml")
        mlflow.log_artifacts(str(folder), artifact_path="evaluation")
        # the pyfunc flavour answers predict_proba (n x 2, column 1 the PD); its signature says so
        info = mlflow.sklearn.log_model(
            model, name="model", serialization_format="cloudpickle",
            signature=infer_signature(example, model.predict_proba(example)), input_example=example,
            registered_model_name=name, pyfunc_predict_fn="predict_proba")
    return run.info.run_id, str(info.registered_model_version)


def train_and_register(data, config, catalog, uri: str | None = None, data_dir: str | None = None):
    """Train the credit model on ``data``, evaluate it and register it: ``(result, run_id, version)``.
    ``innoscore train`` and the demo share it (the demo then promotes)."""
    from innoscore.credit.train import train

    result = train(data, config, catalog)
    run_id, version = log_training(result, uri, data_dir if data_dir is not None else str(data.source or ""))
    return result, run_id, version


def promote(version: str, gates: Gates, name: str, uri: str | None = None) -> dict[str, tuple[bool, str]]:
    """Set the alias ``champion`` on ``version`` when every gate passes; return each gate's result."""
    from mlflow.tracking import MlflowClient

    _mlflow(tracking_uri(uri))
    client = MlflowClient()
    mv = client.get_model_version(name, str(version))
    metrics = client.get_run(mv.run_id).data.metrics
    results = gate_results(metrics, gates)
    if results and all(ok for ok, _ in results.values()):  # no gate checked: never promoted
        client.set_registered_model_alias(name, CHAMPION, str(version))
    return results


def load_model(name: str, alias: str = CHAMPION, uri: str | None = None):
    """The registered CreditModel under an alias (``models:/NAME@champion``)."""
    return load_model_uri(f"models:/{name}@{alias}", uri)


def check_store(uri: str | None = None) -> None:
    """Refuse a local store (``sqlite:///file``, ``file:`` or a folder) that does not exist, rather than
    let MLflow create an empty one where a model was expected."""
    from innoscore.errors import UsageError

    uri = tracking_uri(uri)
    path = None
    if uri.startswith("sqlite:///"):
        path = Path(uri[len("sqlite:///"):])
    elif uri.startswith("file:"):
        from urllib.parse import urlparse

        path = Path(urlparse(uri).path)
    elif "://" not in uri:
        path = Path(uri)
    if path is not None and not path.exists():
        raise UsageError(f"no MLflow store at {uri} ({path} does not exist): train a model there first, or pass "
                         "--tracking-uri")


def load_model_uri(model_uri: str, uri: str | None = None):
    """A CreditModel from any MLflow model URI (``models:/NAME@ALIAS``, ``models:/NAME/3``, ``runs:/...``)."""
    mlflow = _mlflow(tracking_uri(uri))
    return mlflow.sklearn.load_model(model_uri)


def model_version(model_uri: str, uri: str | None = None) -> str | None:
    """The registry version a ``models:/NAME@ALIAS`` or ``models:/NAME/N`` URI names (None for others)."""
    if not model_uri.startswith("models:/"):
        return None
    from mlflow.tracking import MlflowClient

    _mlflow(tracking_uri(uri))
    name, _, ref = model_uri[len("models:/"):].partition("@")
    if ref:
        return str(MlflowClient().get_model_version_by_alias(name, ref).version)
    return name.partition("/")[2] or None


def load_credit_model(model_uri: str, uri: str | None = None):
    """``(model, version)`` for a model URI, the alias resolved to its version first (a promotion in
    between cannot mix two models); a store that does not exist, or a model, alias or path MLflow cannot
    find, is a :class:`~innoscore.errors.UsageError` naming them."""
    from innoscore.errors import UsageError

    try:
        if model_uri.startswith("models:/"):
            check_store(uri)
        version = model_version(model_uri, uri)
        name = model_uri[len("models:/"):].partition("@")[0].partition("/")[0]
        model = load_model_uri(f"models:/{name}/{version}" if version else model_uri, uri)
    except Exception as exc:  # MLflow raises its own kinds for an unknown model, alias or path
        if type(exc).__name__ in ("MlflowException", "RestException", "OSError", "FileNotFoundError",
                                  "IsADirectoryError", "NotADirectoryError"):
            raise UsageError(f"cannot load the model {model_uri} from {tracking_uri(uri)}: "
                             f"{str(exc).splitlines()[0]} (train and promote one first: innoscore train, "
                             "innoscore promote)") from None
        raise
    return model, version
