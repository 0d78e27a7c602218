"""The credit model of the innovation credit loan: panel, calibrated PD model, evaluation, registry."""

from innoscore.credit.model import CreditModel, MonotonicityError

__all__ = ["CreditModel", "MonotonicityError"]
