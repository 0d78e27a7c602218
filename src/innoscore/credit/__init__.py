"""The credit model of the innovation credit loan: panel, calibrated PD model, evaluation, registry."""

__all__ = ["CreditModel", "MonotonicityError"]


def __getattr__(name: str):
    # imported on first use: the command line loads scikit-learn and LightGBM only when it trains
    if name in __all__:
        from innoscore.credit import model

        return getattr(model, name)
    raise AttributeError(f"module 'innoscore.credit' has no attribute {name!r}")
