"""The one base class of the errors bad input or configuration cause.

Every error a user can fix (a data folder that breaks the contract, a configuration file that does
not say what it must, a command-line value, a training panel too short, an indicator out of its
range) derives from :class:`InnoscoreError`; the command line prints its message (a data folder's
whole validation report) and exits with status 2.  Anything else is a bug: status 1.
"""

from __future__ import annotations

__all__ = ["InnoscoreError", "UsageError"]


class InnoscoreError(Exception):
    """Bad input or configuration; the message says what, where and what was expected."""


class UsageError(InnoscoreError, ValueError):
    """A command-line value that cannot be used."""
