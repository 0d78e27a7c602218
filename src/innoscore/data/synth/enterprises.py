"""The enterprises table: who they are, where, since when, listed or not, and their latent traits.

Sets on the world: ``ids``, ``city``, ``industry``, ``founded``, ``quality``, ``innovation``,
``frailty``, ``credit_hunger``, ``log_size``, ``listed``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.data import uscc
from innoscore.data.synth.arrays import YEAR_DAYS, choice, dates, days, join_codes, pick_within, sigmoid
from innoscore.data.synth.world import World

__all__ = ["enterprises"]

# made-up names: city + three syllables + a trade word + a legal form
NAME_SYLLABLES = "华德瑞博信通恒盛达宇泰鑫源科创智联新辰星航润康安宏远嘉睿诚凯正明天启航中微芯光能"
NAME_WORDS = ("科技", "智能", "生物", "新材料", "电子", "装备", "能源", "信息", "医药", "精密", "环保", "数据",
              "光电", "自动化", "软件")
LEGAL_FORMS = {"有限公司": 0.75, "股份有限公司": 0.2, "有限责任公司": 0.05}
# legal representatives (personal data: it must never leave the engine, so the data carries some)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN_NAMES = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英"
BORN_BETWEEN = ("1955-01-01", "1998-12-31")
DEFAULT_PARK_SHARE = 0.3  # when province.yaml gives no park_share
MOBILE_NUMBERS = (3_000_000_000, 9_999_999_999)  # the ten digits after the leading 1


def enterprises(world: World) -> pd.DataFrame:
    rng, n, prov, b = world.rng["ent"], world.n, world.province, world.behaviour["enterprises"]
    cities, industries = prov["cities"], prov["industries"]
    city = choice(rng, n, [c["share"] for c in cities])
    industry = choice(rng, n, [i["share"] for i in industries])
    world.city, world.industry = city, industry
    # age: a mix of young firms and established ones founded over decades
    a = b["age"]
    young = rng.random(n) < a["young_share"]
    age = np.where(young, rng.exponential(a["young_mean_years"], n),
                   rng.gamma(a["established_shape"], a["established_scale_years"], n))
    age = np.clip(age, *a["range_years"])
    founded = world.extract_day - np.round(age * YEAR_DAYS).astype(np.int64)
    world.founded = founded
    # latent traits: quality, innovation capacity, frailty (never observed), credit hunger
    quality = rng.standard_normal(n)
    loading = b["innovation"]["quality_loading"]
    innovation = loading * quality + np.sqrt(1 - loading ** 2) * rng.standard_normal(n)
    innovation += np.array([i["rd_intensity"] for i in industries])[industry] - 1.0  # 1: an average industry
    frailty = rng.standard_normal(n)
    hunger = rng.standard_normal(n)
    world.quality, world.innovation, world.frailty, world.credit_hunger = quality, innovation, frailty, hunger
    # mature size: log-normal body with a Pareto tail
    s = b["size"]
    log_size = np.log(s["median"]) + s["quality_effect"] * quality + s["sd"] * rng.standard_normal(n)
    tail = rng.random(n) < s["tail_share"]
    log_size = np.where(tail, log_size + np.log(rng.pareto(s["tail_shape"], n) + 1.0) * s["tail_log_scale"],
                        log_size)
    world.log_size = log_size

    county = pick_within(rng, city, [c["counties"] for c in cities])
    park_by_city: dict[str, list[str]] = {}
    for p in prov["parks"]:
        park_by_city.setdefault(p["city"], []).append(p["name"])
    parks_of_city = [park_by_city.get(c["name"], []) for c in cities]
    in_park = rng.random(n) < float(prov.get("park_share", DEFAULT_PARK_SHARE))
    park = pick_within(rng, city, [p or [None] for p in parks_of_city])
    park = np.where(in_park, park, None)

    codes = uscc.generate(world.rng["misc"], np.array([c["code"] for c in cities])[city])
    world.ids = codes
    status = _listing_status(world, rng, age)
    consent = rng.random((n, len(prov["banks"]))) < b["bank_consent_share"]
    fund_consent = world.rng["funds"].random((n, len(world.codes("funds")))) < \
        world.behaviour["equity"]["funds"]["consent_share"]
    consent_str = join_codes(np.concatenate([consent, fund_consent], axis=1),
                             world.codes("banks") + world.codes("funds"))
    listing = b["listing"]
    earliest = founded + int(listing["min_years"] * YEAR_DAYS)
    listed_day = earliest + np.round(world.rng["listing"].exponential(listing["mean_extra_years"], n)
                                     * YEAR_DAYS).astype(np.int64)
    listed_day = np.minimum(listed_day, world.extract_day)
    listed_on = pd.Series(dates(listed_day)).where(world.listed & (earliest <= world.extract_day))
    names, rep_name, rep_id, rep_phone = _names(world)
    return pd.DataFrame({
        "enterprise_id": codes,
        "name": names,
        "city": np.array([c["name"] for c in cities], dtype=object)[city],
        "county": county,
        "park": park,
        "industry": np.array(world.codes("industries"), dtype=object)[industry],
        "founded_on": dates(founded),
        "listing_status": status,
        "listed_on": listed_on,
        "valuation": np.nan,  # filled once equity rounds exist
        "consent_banks": consent_str,
        "legal_rep_name": rep_name,
        "legal_rep_id_number": rep_id,
        "legal_rep_phone": rep_phone,
    })


def _listing_status(world: World, rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    """Listing grows with size and age; the boards in the file's order, from the most common to the most
    senior (each share is of the enterprises on that board or a later one)."""
    c = world.behaviour["enterprises"]["listing"]
    big = sigmoid(c["size_effect"] * (world.log_size - np.log(c["size_reference"]))
                  + c["age_effect"] * np.minimum(age, c["age_cap_years"]) + c["intercept"])
    draw = rng.random(world.n)
    status = np.full(world.n, "unlisted", dtype=object)
    for board, share in c["board_shares"].items():
        status[draw < big * share] = board
    world.listed = status != "unlisted"
    return status


def _names(world: World):
    """Enterprise names and the legal representatives' names, ID numbers and phones."""
    rng, n, city = world.rng["names"], world.n, world.city
    cities = world.province["cities"]
    city_short = np.array([c["name"].rstrip("市") for c in cities], dtype=object)
    s = np.array(list(NAME_SYLLABLES), dtype=object)
    a, b, c = (s[rng.integers(0, len(s), n)] for _ in range(3))
    w = np.array(NAME_WORDS, dtype=object)[rng.integers(0, len(NAME_WORDS), n)]
    f = np.array(list(LEGAL_FORMS), dtype=object)[choice(rng, n, list(LEGAL_FORMS.values()))]
    names = pd.Series(city_short[city]) + a + b + c + w + f
    surnames = np.array(list(SURNAMES), dtype=object)
    given = np.array(list(GIVEN_NAMES), dtype=object)
    rep_name = pd.Series(surnames[rng.integers(0, len(surnames), n)]) + given[rng.integers(0, len(given), n)]
    born_from, born_to = (days(np.array([d], dtype="datetime64[D]"))[0] for d in BORN_BETWEEN)
    birth = rng.integers(born_from, born_to, n)
    bstr = pd.Series(dates(birth)).dt.strftime("%Y%m%d")
    region = pd.Series(np.array([c["code"] for c in cities], dtype=object)[city])
    seq = pd.Series(rng.integers(0, 1000, n)).astype("str").str.zfill(3)
    rep_id = region.str[:4] + "02" + bstr + seq + pd.Series(rng.integers(0, 10, n)).astype("str")
    rep_phone = "1" + pd.Series(rng.integers(*MOBILE_NUMBERS, n)).astype("str")
    return names, rep_name, rep_id, rep_phone
