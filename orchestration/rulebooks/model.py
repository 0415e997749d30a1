"""The typed rule book: what a YAML file means once read, with the line of every part.

Every number is a ``Decimal`` made from the text written in the file (never a float), so what
is compiled into the seeds is exactly what the author wrote. The same classes describe a book
read back from the compiled seeds (``seeds.read_books``); such a book has no lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from schemas.contract import CUSTOMERS, PROGRAM_CURRENCY

RULE_KINDS = (
    "amount_rate",
    "first_sale",
    "score_points",
    "cap",
    "gate",
    "team_bonus",
    "spiff",
    "distinct_customers",
)
ROW_KINDS = ("amount_rate", "first_sale", "score_points", "spiff")  # score rows, can be a family
RESERVED_RULE_IDS = ("MANUAL_ADJUSTMENT", "PRIOR_PERIOD_ADJUSTMENT")
SEGMENTS = dict(CUSTOMERS.enums)["segment"]
SCORES = (1, 2, 3, 4, 5)
CURRENCY = PROGRAM_CURRENCY

COMMON_FIELDS = ("id", "kind", "description", "roles", "teams")
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "amount_rate": ("rate",),
    "first_sale": ("points",),
    "score_points": ("points_by_score",),
    "cap": ("family", "limit"),
    "gate": ("family", "min_surveys", "mean_score_below", "factor", "cap"),
    "team_bonus": ("points", "default_target", "targets"),
    "spiff": ("base", "window", "segment", "rate", "multiplier"),
    "distinct_customers": ("points", "min_amount"),
}
OPTIONAL_FIELDS = {"roles", "teams", "cap", "targets", "segment", "min_amount"}
OPTIONAL_BY_KIND = {"spiff": {"rate", "multiplier"}}  # exactly one of them, checked apart
TOP_LEVEL_FIELDS = (
    "version",
    "effective_from",
    "currency",
    "description",
    "rules",
    "tiers",
    "rewards",
)
# Optional in a book of either program: the language its reports default to (docs/rulebooks.md).
LANGUAGE_FIELD = "language"
BOOK_LANGUAGES = ("en", "zh")  # the reports' languages, orchestration/reports/i18n.py


@dataclass
class Rule:
    id: str
    kind: str
    description: str = ""
    line: int | None = None  # 1-based line in the YAML file; None when read from the seeds
    path: str = ""  # rules[i]
    roles: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    rate: Decimal | None = None
    points: Decimal | None = None
    multiplier: Decimal | None = None
    limit: Decimal | None = None
    min_surveys: int | None = None
    mean_score_below: Decimal | None = None
    factor: Decimal | None = None
    family: tuple[str, ...] = ()
    cap: str | None = None
    base: str | None = None
    window_start: date | None = None
    window_end: date | None = None
    segment: str | None = None
    default_target: Decimal | None = None
    min_amount: Decimal | None = None  # distinct_customers: None counts any net amount above 0
    points_by_score: dict[int, Decimal] = field(default_factory=dict)
    targets: dict[str, Decimal] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # field name -> line, for later checks

    def line_of(self, name: str) -> int | None:
        return self.lines.get(name, self.line)


@dataclass
class Tier:
    name: str
    start: Decimal  # `from`: lowest period total of the tier (inclusive)
    below: Decimal | None  # the tier ends below this total; None for the open-ended top tier
    line: int | None = None
    path: str = ""


@dataclass
class Reward:
    tier: str
    reward: str
    cash_value: Decimal
    line: int | None = None
    path: str = ""


@dataclass
class RuleBook:
    file: str
    source: Path | None
    version: str
    effective_from: date | None
    currency: str
    description: str
    rules: list[Rule]
    tiers: list[Tier]
    rewards: list[Reward]
    lines: dict[str, int] = field(default_factory=dict)  # top-level field -> line
    # what the file lists, readable or not: later checks stay quiet about parts already reported
    listed_rule_ids: set[str] = field(default_factory=set)
    listed_tiers: set[str] = field(default_factory=set)
    listed_rewards: set[str] = field(default_factory=set)
    tiers_readable: bool = True
    language: str = ""  # `language`: "" when the book names none (or an unknown one)

    def line_of(self, name: str) -> int:
        return self.lines.get(name, 1)

    def rule(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)


# The loyalty program's rule book ------------------------------------------------------------------
# A book with a top-level `program: loyalty` is the customer loyalty program's (会员积分); a book
# without `program` is the sales program's. Its parameters are flat: one value per field.

LOYALTY_PROGRAM = "loyalty"
LOYALTY_HEADER_FIELDS = ("program", "version", "effective_from", "description")


@dataclass(frozen=True)
class LoyaltyParameter:
    """One parameter of a loyalty book: how it is typed and the least value it may take."""

    name: str
    whole: bool  # a whole number (INTEGER column); else CNY with 2 places (DECIMAL(18,2))
    minimum: int  # 0: zero or more; 1: must be positive (more than 0)
    meaning: str  # what it is, with an example: the help of a message about it


LOYALTY_PARAMETERS = (
    LoyaltyParameter("earn_amount", False, 1, "the CNY of a purchase per point, e.g. 10"),
    LoyaltyParameter("welcome_points", True, 0, "the points a new member gets, e.g. 100"),
    LoyaltyParameter(
        "frequency_orders", True, 1, "the qualifying orders in a month that earn the bonus, e.g. 5"
    ),
    LoyaltyParameter("frequency_bonus", True, 0, "the points of the frequency bonus, e.g. 50"),
    LoyaltyParameter("redemption_unit", True, 1, "the points of one redemption unit, e.g. 100"),
    LoyaltyParameter("unit_value", False, 1, "the CNY one redemption unit is worth, e.g. 10"),
    LoyaltyParameter(
        "monthly_limit", True, 1, "the most points a member may redeem in a month, e.g. 5000"
    ),
    LoyaltyParameter(
        "expiry_months", True, 1, "the months after the month earned that points expire, e.g. 12"
    ),
)
LOYALTY_FIELDS = (*LOYALTY_HEADER_FIELDS, *(parameter.name for parameter in LOYALTY_PARAMETERS))


@dataclass
class LoyaltyBook:
    """A loyalty rule book: header and parameters (``None`` where a field could not be read)."""

    file: str
    source: Path | None
    version: str
    effective_from: date | None
    description: str
    earn_amount: Decimal | None = None  # CNY per point: a purchase earns floor(amount / this)
    welcome_points: int | None = None
    frequency_orders: int | None = None
    frequency_bonus: int | None = None
    redemption_unit: int | None = None  # points redeemed in multiples of this
    unit_value: Decimal | None = None  # CNY one redemption unit is worth
    monthly_limit: int | None = None  # points per member and calendar month
    expiry_months: int | None = None
    lines: dict[str, int] = field(default_factory=dict)  # top-level field -> line
    language: str = ""  # `language`: "" when the book names none (or an unknown one)

    program = LOYALTY_PROGRAM

    def line_of(self, name: str) -> int:
        return self.lines.get(name, 1)
