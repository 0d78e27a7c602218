"""The data contract: what each of the ten input tables holds.

This module is the single declaration of the input tables.  The pandera schemas
(:mod:`innoscore.data.schemas`), the loader, the synthetic province and the
contract document (``docs/data-contract.md``) are all derived from it.

Types
-----
``str``    text, UTF-8
``uscc``   an 18-character unified social credit code (统一社会信用代码), GB 32100-2015
``float``  a number; amounts are in yuan (元)
``int``    a whole number
``date``   an ISO date, ``YYYY-MM-DD``
``bool``   ``true``/``false`` (also ``1``/``0``, ``yes``/``no``)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

__all__ = [
    "Column",
    "RowRule",
    "Table",
    "TABLES",
    "TABLE_NAMES",
    "CERTIFICATION_KINDS",
    "IP_KINDS",
    "LISTING_STATUSES",
    "personal_columns",
]

KINDS = ("str", "uscc", "float", "int", "date", "bool")


@dataclass(frozen=True)
class Column:
    """One column of an input table."""

    name: str
    kind: str
    description: str
    required: bool = True  # the column must be present in the file
    nullable: bool = False  # empty cells are allowed
    categories: tuple[str, ...] | None = None
    ge: float | None = None  # value >= ge
    gt: float | None = None  # value > gt
    le: float | None = None  # value <= le
    unique: bool = False
    personal: bool = False  # personal data of the legal representative: never exported
    future_allowed: bool = False  # a date that may lie after the extraction date

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name!r}: kind must be one of {KINDS}; got {self.kind!r}")

    def expectation(self) -> str:
        """What a valid value looks like, in words (used by the report and the docs)."""
        parts = []
        if self.categories is not None:
            parts.append("one of " + ", ".join(self.categories))
        if self.ge is not None:
            parts.append(f">= {self.ge:g}")
        if self.gt is not None:
            parts.append(f"> {self.gt:g}")
        if self.le is not None:
            parts.append(f"<= {self.le:g}")
        return "; ".join(parts)


@dataclass(frozen=True)
class RowRule:
    """A rule across columns of one row, reported against ``column``."""

    column: str
    other: str  # the other column the rule compares with, shown in the report's examples
    expected: str
    ok: Callable[[pd.DataFrame], pd.Series]  # True where the row satisfies the rule


@dataclass(frozen=True)
class Table:
    name: str
    one_row_per: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = False
    rules: tuple[RowRule, ...] = field(default_factory=tuple)
    retired: tuple[tuple[str, str], ...] = ()  # (old column, what replaced it): a hint when a file still has it

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _order(later: str, earlier: str, strict: bool = False) -> Callable[[pd.DataFrame], pd.Series]:
    """Rows where ``later`` >= ``earlier`` (> if strict), or either is empty."""

    def ok(df: pd.DataFrame) -> pd.Series:
        a, b = df[later], df[earlier]
        holds = (a > b) if strict else (a >= b)
        return holds.fillna(False).astype(bool) | a.isna() | b.isna()

    return ok


def _not_above(part: str, whole: str) -> Callable[[pd.DataFrame], pd.Series]:
    def ok(df: pd.DataFrame) -> pd.Series:
        a, b = df[part], df[whole]
        return (a <= b).fillna(False).astype(bool) | a.isna() | b.isna()

    return ok


def _published_after_year_end(df: pd.DataFrame) -> pd.Series:
    year, published = df["fiscal_year"], df["published_on"]
    return (published.dt.year > year).fillna(False).astype(bool) | published.isna() | year.isna()


LISTING_STATUSES = (
    "unlisted",
    "regional_equity",  # 区域性股权市场 (e.g. Hebei equity exchange)
    "neeq_basic",  # 新三板基础层
    "neeq_innovation",  # 新三板创新层
    "bse",  # 北交所
    "main_board",
    "star",  # 科创板
    "chinext",  # 创业板
    "overseas",
)
CERTIFICATION_KINDS = (
    "high_tech_enterprise",  # 高新技术企业
    "tech_sme",  # 科技型中小企业
    "innovative_sme",  # 创新型中小企业
    "specialised_sme",  # 专精特新中小企业
    "little_giant",  # 专精特新"小巨人"
    "gazelle",  # 瞪羚企业
    "unicorn",  # 独角兽企业
    "tech_leader",  # 科技领军企业
    "tech_innovation_demo",  # 国家级技术创新示范企业
    "ip_advantage",  # 国家知识产权优势企业
    "ip_demo",  # 国家知识产权示范企业
)
IP_KINDS = (
    "invention",  # 发明专利
    "utility_model",  # 实用新型
    "design",  # 外观设计
    "software_copyright",  # 软件著作权
    "pct",  # PCT international application
    "ic_layout",  # 集成电路布图设计
    "plant_variety",  # 植物新品种
)
INVESTOR_KINDS = ("guidance_fund", "vc", "pe", "corporate", "bank_affiliated", "angel", "other")
AWARD_KINDS = ("award", "rd_platform", "standard", "st_project")
AWARD_LEVELS = ("international", "national", "industry", "provincial", "municipal")
COLLATERAL_KINDS = ("none", "guarantee", "property", "ip_pledge", "equity_pledge", "receivables", "mixed")
PENALTY_KINDS = (
    "administrative",
    "tax",
    "environmental",
    "safety",
    "quality",
    "court_enforcement",
    "dishonest_debtor",
    "abnormal_operation",
)

_EID = "enterprise_id"


def _eid(unique: bool = False) -> Column:
    return Column(_EID, "uscc", "unified social credit code (统一社会信用代码) of the enterprise", unique=unique)


TABLES: dict[str, Table] = {}


def _add(table: Table) -> None:
    TABLES[table.name] = table


_add(Table(
    name="enterprises",
    one_row_per="enterprise",
    description="who the enterprises are; the only required table",
    required=True,
    key=(_EID,),
    columns=(
        _eid(unique=True),
        Column("name", "str", "registered name (企业名称)"),
        Column("city", "str", "prefecture city (地级市)"),
        Column("county", "str", "county or district (区县)", required=False, nullable=True),
        Column("park", "str", "high-tech zone (高新区); empty outside one", required=False, nullable=True),
        Column("industry", "str", "industry code from the province's industry list"),
        Column("founded_on", "date", "registration date (成立日期)"),
        Column("listing_status", "str", "where its shares trade", categories=LISTING_STATUSES),
        Column("listed_on", "date", "date it was listed or quoted at its listing_status (上市 / 挂牌日期); empty "
               "if unlisted or not known", required=False, nullable=True),
        Column("valuation", "float", "latest valuation, yuan", required=False, nullable=True, ge=0),
        Column("consent_banks", "str", "bank codes it consents to share data with, separated by ';'",
               required=False, nullable=True),
        Column("legal_rep_name", "str", "legal representative's name (法定代表人)", required=False,
               nullable=True, personal=True),
        Column("legal_rep_id_number", "str", "legal representative's ID card number", required=False,
               nullable=True, personal=True),
        Column("legal_rep_phone", "str", "legal representative's phone", required=False, nullable=True,
               personal=True),
    ),
))

_add(Table(
    name="certifications",
    one_row_per="certificate",
    description="recognitions such as 高新技术企业 and 科技型中小企业, each with its validity",
    key=(_EID, "kind", "issued_on"),
    columns=(
        _eid(),
        Column("kind", "str", "certificate kind", categories=CERTIFICATION_KINDS),
        Column("issued_on", "date", "date of issue"),
        Column("expires_on", "date", "end of validity (exclusive); empty: the kind's validity in "
               "features/certifications.yaml applies", nullable=True, future_allowed=True),
        Column("certificate_no", "str", "certificate number", required=False, nullable=True),
    ),
    rules=(RowRule("expires_on", "issued_on", "expires_on > issued_on", _order("expires_on", "issued_on", strict=True)),),
))

_add(Table(
    name="financials",
    one_row_per="enterprise and fiscal year",
    description="annual accounts; a year counts from the day it was published",
    key=(_EID, "fiscal_year"),
    columns=(
        _eid(),
        Column("fiscal_year", "int", "fiscal (calendar) year", ge=1900, le=2100),
        Column("revenue", "float", "operating revenue (营业收入), yuan", nullable=True, ge=0),
        Column("operating_costs", "float", "total costs and expenses of operations (营业总成本: cost of sales, taxes "
               "and surcharges, selling, administrative, R&D and financial expenses), yuan", nullable=True, ge=0),
        Column("net_profit", "float", "net profit, yuan (may be negative)", nullable=True),
        Column("total_assets", "float", "total assets, yuan", nullable=True, ge=0),
        Column("total_liabilities", "float", "total liabilities, yuan", nullable=True, ge=0),
        Column("rd_expense", "float", "R&D expense (研发费用), yuan", nullable=True, ge=0),
        Column("employees", "int", "employees at year end", nullable=True, ge=0),
        Column("rd_staff", "int", "R&D / S&T staff (科技人员)", nullable=True, ge=0),
        Column("high_tech_revenue", "float", "revenue from high-tech products and services, yuan",
               nullable=True, ge=0),
        Column("tech_contract_turnover", "float", "registered technology-contract turnover, yuan",
               nullable=True, ge=0),
        Column("main_business_revenue", "float", "revenue from the main business (主营业务收入), yuan",
               required=False, nullable=True, ge=0),
        Column("export_revenue", "float", "revenue from abroad, yuan", required=False, nullable=True, ge=0),
        Column("tax_paid", "float", "taxes paid, yuan", required=False, nullable=True, ge=0),
        Column("published_on", "date", "date the accounts became available"),
    ),
    rules=(
        RowRule("rd_staff", "employees", "rd_staff <= employees", _not_above("rd_staff", "employees")),
        RowRule("high_tech_revenue", "revenue", "high_tech_revenue <= revenue", _not_above("high_tech_revenue", "revenue")),
        RowRule("main_business_revenue", "revenue", "main_business_revenue <= revenue",
                _not_above("main_business_revenue", "revenue")),
        RowRule("published_on", "fiscal_year", "published_on after the end of fiscal_year", _published_after_year_end),
    ),
))

_add(Table(
    name="ip_rights",
    one_row_per="IP right (patent, copyright, PCT application, ...)",
    description="intellectual property; a right counts as granted from granted_on until lapsed_on",
    key=("ip_id",),
    columns=(
        Column("ip_id", "str", "application or registration number", unique=True),
        _eid(),
        Column("kind", "str", "kind of right", categories=IP_KINDS),
        Column("filed_on", "date", "application date"),
        Column("granted_on", "date", "grant date; empty while pending or if refused", nullable=True),
        Column("lapsed_on", "date", "date it lapsed, expired or was invalidated; empty while in force",
               nullable=True),
        Column("pledged", "bool", "pledged as collateral", required=False, nullable=True),
        Column("acquired", "bool", "obtained by transfer, gift or merger (受让、受赠、并购) rather than "
               "developed in house; empty if not known", required=False, nullable=True),
    ),
    rules=(
        RowRule("granted_on", "filed_on", "granted_on >= filed_on", _order("granted_on", "filed_on")),
        RowRule("lapsed_on", "filed_on", "lapsed_on >= filed_on", _order("lapsed_on", "filed_on")),
    ),
))

_add(Table(
    name="projects",
    one_row_per="assessment of a project (a project assessed twice has two rows)",
    description="quantitative evaluations of projects' maturity (GB/T 22900-2022)",
    key=("project_id", "assessed_on"),
    columns=(
        Column("project_id", "str", "project identifier; the same for re-assessments"),
        _eid(),
        Column("name", "str", "project title", required=False, nullable=True),
        Column("assessed_on", "date", "date of the assessment"),
        Column("trl", "int", "technology readiness level", ge=1, le=9),
        Column("advancement", "float", "technical advancement score", ge=0, le=100),
        Column("market_value", "float", "assessed market value, yuan", nullable=True, ge=0),
    ),
))

_add(Table(
    name="equity_rounds",
    one_row_per="financing round",
    description="equity financing received",
    key=("round_id",),
    columns=(
        Column("round_id", "str", "round identifier", unique=True),
        _eid(),
        Column("closed_on", "date", "date the round closed"),
        Column("amount", "float", "amount raised, yuan", gt=0),
        Column("investor_kind", "str", "lead investor's kind", categories=INVESTOR_KINDS),
        Column("investor", "str", "lead investor; for bank-affiliated funds the bank code, for the province's "
               "guidance sub-funds their code", required=False, nullable=True),
        Column("guidance_fund_share", "float", "share of the investing fund subscribed by a government guidance "
               "fund (政府引导基金出资比例), 0-1; empty if not known", required=False, nullable=True, ge=0, le=1),
        Column("exited_on", "date", "date the investor sold out of the enterprise; empty while it holds",
               required=False, nullable=True),
    ),
    rules=(RowRule("exited_on", "closed_on", "exited_on >= closed_on", _order("exited_on", "closed_on")),),
))

_add(Table(
    name="awards",
    one_row_per="award, R&D platform, standard or national S&T project",
    description="recognitions that earn bonus points",
    key=("award_id",),
    columns=(
        Column("award_id", "str", "identifier", unique=True),
        _eid(),
        Column("kind", "str", "what was recognised", categories=AWARD_KINDS),
        Column("level", "str", "level of the recognition", categories=AWARD_LEVELS),
        Column("awarded_on", "date", "date"),
        Column("prize_grade", "int", "prize grade of an award: 0 special prize (特等奖), 1 first, 2 second, "
               "3 third prize; empty for other kinds", required=False, nullable=True, ge=0, le=3),
        Column("unit_rank", "int", "the enterprise's place among the co-winning units of an award "
               "(获奖单位排名, 1 = first unit); empty for other kinds", required=False, nullable=True, ge=1),
    ),
    retired=(("rank", "it meant two things and was split into prize_grade (the prize's grade) and unit_rank "
                      "(the enterprise's place among the winning units)"),),
))

_add(Table(
    name="loans",
    one_row_per="loan",
    description="bank loans; a loan defaults when it reaches 90 days past due",
    key=("loan_id",),
    columns=(
        Column("loan_id", "str", "loan identifier", unique=True),
        _eid(),
        Column("bank", "str", "lending bank code"),
        Column("product", "str", "loan product"),
        Column("amount", "float", "principal, yuan", gt=0),
        Column("rate", "float", "annual interest rate, percent", gt=0, le=36),
        Column("signed_on", "date", "date the loan contract was signed (合同签订日); empty: originated_on stands "
               "for it", required=False, nullable=True),
        Column("originated_on", "date", "drawdown date"),
        Column("maturity_on", "date", "contractual maturity", future_allowed=True),
        Column("collateral", "str", "security", categories=COLLATERAL_KINDS),
        Column("defaulted_on", "date", "date it reached 90 days past due; empty if it has not", nullable=True),
        Column("repaid_on", "date", "date it was repaid in full; empty while outstanding or after default",
               required=False, nullable=True),
    ),
    rules=(
        RowRule("maturity_on", "originated_on", "maturity_on > originated_on", _order("maturity_on", "originated_on", strict=True)),
        RowRule("defaulted_on", "originated_on", "defaulted_on >= originated_on", _order("defaulted_on", "originated_on")),
        RowRule("repaid_on", "originated_on", "repaid_on >= originated_on", _order("repaid_on", "originated_on")),
        RowRule("originated_on", "signed_on", "originated_on >= signed_on", _order("originated_on", "signed_on")),
    ),
))

_add(Table(
    name="penalties",
    one_row_per="negative event",
    description="administrative penalties, enforcement and other negative records",
    key=("penalty_id",),
    columns=(
        Column("penalty_id", "str", "identifier", unique=True),
        _eid(),
        Column("kind", "str", "kind of event", categories=PENALTY_KINDS),
        Column("occurred_on", "date", "date of the decision or event"),
        Column("amount", "float", "fine, yuan", required=False, nullable=True, ge=0),
    ),
))

_add(Table(
    name="insurance_policies",
    one_row_per="policy year of a first-set (首台套) equipment insurance",
    description="首台(套)重大技术装备综合保险 bought for products in the province's first-set catalogue; the "
                "premium subsidy (features/policy.yaml) is computed from them",
    key=("policy_id",),
    columns=(
        Column("policy_id", "str", "policy number (one row per policy year)", unique=True),
        _eid(),
        Column("equipment", "str", "the catalogue product insured (its entry in the 首台(套) catalogue)"),
        Column("insured_amount", "float", "sum insured, yuan", gt=0),
        Column("premium", "float", "premium actually paid for the policy year, yuan", ge=0),
        Column("starts_on", "date", "start of the policy year"),
        Column("ends_on", "date", "end of the policy year (exclusive)", future_allowed=True),
    ),
    rules=(RowRule("ends_on", "starts_on", "ends_on > starts_on", _order("ends_on", "starts_on", strict=True)),),
))

TABLE_NAMES: tuple[str, ...] = tuple(TABLES)


def personal_columns(table: str) -> list[str]:
    """Columns of ``table`` holding personal data, which must never leave the engine."""
    return [c.name for c in TABLES[table].columns if c.personal]
