import numpy as np
import pandas as pd
import pytest

from innoscore.data import uscc


def test_check_character_of_a_published_example():
    # the example printed in GB 32100-2015 explanations: 91350100M000100Y43
    assert uscc.check_character("91350100M000100Y4") == "3"


def test_check_character_rejects_bad_input():
    with pytest.raises(ValueError, match="17 characters"):
        uscc.check_character("9135010")
    with pytest.raises(ValueError):
        uscc.check_character("91350100M000100YI")  # I is not in the alphabet


def test_generated_codes_are_valid_and_flipping_the_last_character_breaks_them():
    rng = np.random.default_rng(0)
    codes = pd.Series(uscc.generate(rng, np.array(["130100"] * 500 + ["131100"] * 500)))
    assert uscc.is_well_formed(codes).all()
    assert uscc.has_valid_check(codes).all()
    assert codes.str[2:8].isin(["130100", "131100"]).all()
    flipped = codes.str[:17] + codes.str[17].map(lambda c: "0" if c != "0" else "1")
    assert not uscc.has_valid_check(flipped).any()


def test_vectorised_check_agrees_with_the_scalar_one():
    rng = np.random.default_rng(1)
    alphabet = np.array(list(uscc.ALPHABET))
    bodies = ["".join(rng.choice(alphabet, 17)) for _ in range(300)]
    lasts = rng.choice(alphabet, 300)
    codes = pd.Series([b + c for b, c in zip(bodies, lasts)])
    expected = [uscc.check_character(b) == c for b, c in zip(bodies, lasts)]
    assert uscc.has_valid_check(codes).tolist() == expected


@pytest.mark.parametrize("bad", ["91350100m000100y43", "91350100M000100Y4", "91350100M000100Y43X",
                                 "91350100M000100I43", "９1350100M000100Y43", None])
def test_malformed_codes(bad):
    s = pd.Series([bad], dtype="str")
    assert not uscc.is_well_formed(s).iloc[0]
    assert uscc.has_valid_check(s).iloc[0]  # malformed values are left to is_well_formed
