"""Unified social credit codes (统一社会信用代码, GB 32100-2015).

An 18-character code: registration authority (1), organisation type (1), administrative
division (6), organisation code (9, GB 11714 with its own check digit) and a check
character computed from the first 17 over the 31-character alphabet below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["ALPHABET", "check_character", "is_well_formed", "has_valid_check", "generate"]

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)
PATTERN = r"[0-9A-HJ-NPQRTUWXY]{18}"

_VALUE = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(ALPHABET):
    _VALUE[ord(_c)] = _i
_ALPHABET_BYTES = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)

# GB 11714 organisation code: 8 characters, weights, check digit mod 11.
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)


def check_character(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a code.

    >>> check_character("91350100M000100Y4")
    '3'
    """
    if len(first17) != 17 or any(c not in ALPHABET for c in first17):
        raise ValueError(f"expected 17 characters of {ALPHABET}; got {first17!r}")
    total = sum(ALPHABET.index(c) * int(w) for c, w in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def is_well_formed(codes: pd.Series) -> pd.Series:
    """True where the value is 18 characters of the code alphabet (empty cells: False)."""
    return codes.astype("str").str.fullmatch(PATTERN).fillna(False).astype(bool)


def _to_matrix(codes: pd.Series) -> np.ndarray:
    joined = "".join(codes.tolist()).encode("ascii")
    return _VALUE[np.frombuffer(joined, dtype=np.uint8).reshape(-1, 18)]


def has_valid_check(codes: pd.Series) -> pd.Series:
    """True where a well-formed code's 18th character matches its check character.

    Malformed and empty values are True here: :func:`is_well_formed` reports them.
    """
    out = pd.Series(True, index=codes.index)
    formed = is_well_formed(codes)
    if formed.any():
        values = _to_matrix(codes[formed])
        expected = (31 - (values[:, :17] @ WEIGHTS) % 31) % 31
        out[formed] = expected == values[:, 17]
    return out


def generate(rng: np.random.Generator, division_codes: np.ndarray) -> np.ndarray:
    """Valid, distinct-looking codes for enterprises registered in the given divisions.

    ``division_codes`` holds one 6-digit division code (str) per enterprise.  Codes are
    made with registration authority 9 (market regulation) and type 1 (enterprise), a
    random GB 11714 organisation code with its check digit, and the GB 32100 check.
    """
    n = len(division_codes)
    if n == 0:
        return np.array([], dtype=object)
    body = np.empty((n, 18), dtype=np.int64)
    body[:, 0] = ALPHABET.index("9")
    body[:, 1] = ALPHABET.index("1")
    div = np.frombuffer("".join(division_codes).encode("ascii"), dtype=np.uint8).reshape(n, 6)
    body[:, 2:8] = div - ord("0")
    # organisation code: 8 characters from digits and capitals (GB 11714 uses A-Z but no I, O, Z here)
    org_alphabet = np.array([ALPHABET.index(c) for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"])
    org = rng.integers(0, len(org_alphabet), size=(n, 8))
    org_values = org_alphabet[org]  # values in the 31-char alphabet
    # GB 11714 weights apply to digit/letter values 0-9, A=10 ... Z=35
    letters = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)[org_values]
    numeric = np.where(letters >= ord("A"), letters - ord("A") + 10, letters - ord("0"))
    c9 = 11 - (numeric @ _ORG_WEIGHTS) % 11
    c9_char = np.where(c9 == 10, ALPHABET.index("X"), np.where(c9 == 11, 0, c9))
    body[:, 8:16] = org_values
    body[:, 16] = c9_char
    body[:, 17] = (31 - (body[:, :17] @ WEIGHTS) % 31) % 31
    chars = _ALPHABET_BYTES[body]
    return np.frombuffer(chars.tobytes(), dtype="S18").astype("U18").astype(object)
