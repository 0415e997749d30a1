"""The loyalty program's part of an audit pack (docs/loyalty-program.md).

Its tables are published tables like the others: the pack writes them as CSV and they are in the
content hash ``check_hashes.py`` recomputes. Here: the loyalty rule book rows the version's lines
name (``rulebook/loyalty_rulebooks.csv`` and the YAML files), the identities a reader checks by
hand, checked once on the published rows when the pack is written (sums of published values; no
point is computed again), and the README's words about them.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from orchestration.lib.workspace import Workspace
from orchestration.rulebooks.seeds import seeds_dir
from orchestration.warehouse.connection import Warehouse

SEED = "loyalty_rulebooks"
NOTES = {
    "loyalty_ledger": "every loyalty line of the version: customer, kind (`WELCOME`, `PURCHASE`, "
    "`FREQUENCY_BONUS`, `REDEMPTION`, `EXPIRY`, `FORFEIT`), date, points, the lot it created or "
    "took from (empty: the part added to debt), explanation, `late` for the correction of "
    "earlier dates, and for a line caused by a landed row its file, row and SHA-256",
    "member_balances": "each member's opening (published closing of the month before), "
    "prior-period adjustment, points earned, reversed, redeemed, expired and forfeited, closing "
    "points, debt, points expiring next month and liability in CNY",
    "redemption_register": "the redemptions accepted and dated in the period (and, `late`, "
    "earlier ones accepted only now), with their value in CNY",
    "loyalty_adjustments": "per member, the prior-period adjustment and the late rows behind it "
    "(`late_rows`: source, file, row)",
    "member_offers": "at most one offer per active member (`EXPIRING_SOON`, `WIN_BACK`, "
    "`NEAR_REWARD`)",
    "member_lots": "the lots each member holds at the end of the period: earned, expiry day, "
    "points left, rule book",
    "loyalty_kpis": "the period's loyalty figures: sums of `member_balances`, members, "
    "liability, redemption value, breakage over 12 months, members' share of sales",
}
# (what the reader checks, SQL counting the published rows that break it; ? = period, version)
_BALANCES = "from published.member_balances where period = ? and version = ?"
IDENTITIES = (
    (
        "each member's `closing_points` = `opening_points` + `prior_period_adjustment` + "
        "`earned` + `reversed` + `redeemed` + `expired` + `forfeited`",
        "select count(*) " + _BALANCES + " and closing_points <> opening_points + "
        "prior_period_adjustment + earned + reversed + redeemed + expired + forfeited",
        2,
    ),
    (
        "each member's lines in `loyalty_ledger.csv` add up to `closing_points` - "
        "`opening_points`, and the `late` ones to `prior_period_adjustment`",
        "select count(*) from (select customer_id, closing_points - opening_points as moved, "
        "prior_period_adjustment as adjusted " + _BALANCES + ") b full join (select customer_id,"
        " sum(points) as lines, sum(case when late then points else 0 end) as late_lines "
        "from published.loyalty_ledger where period = ? and version = ? group by customer_id) "
        "l using (customer_id) where coalesce(moved, 0) <> coalesce(lines, 0) "
        "or coalesce(adjusted, 0) <> coalesce(late_lines, 0)",
        4,
    ),
    (
        "each member's lots in `member_lots.csv` (points left) minus `debt_points` = "
        "`closing_points`",
        "select count(*) from (select customer_id, closing_points, debt_points "
        + _BALANCES
        + ") b left join (select customer_id, sum(remaining_points) as held "
        "from published.member_lots where period = ? and version = ? group by customer_id) "
        "l using (customer_id) where coalesce(held, 0) - debt_points <> closing_points",
        4,
    ),
    (
        "`loyalty_kpis.csv`'s `opening_points`, `prior_period_adjustment`, `closing_points` and "
        "`debt_points` are the sums of `member_balances.csv`'s",
        "select count(*) from published.loyalty_kpis k, (select sum(opening_points) as o, "
        "sum(prior_period_adjustment) as a, sum(closing_points) as c, sum(debt_points) as d "
        + _BALANCES
        + ") s where k.period = ? and k.version = ? and (k.opening_points <> coalesce(s.o, 0) "
        "or k.prior_period_adjustment <> coalesce(s.a, 0) or k.closing_points <> coalesce(s.c, 0)"
        " or k.debt_points <> coalesce(s.d, 0))",
        4,
    ),
)


def loyalty_checks(warehouse: Warehouse, period: str, version: int) -> dict:
    """How many members and lines the version's loyalty tables hold, and each identity with
    the number of published rows that break it."""
    key = [period, version]
    members = warehouse.value(f"select count(*) {_BALANCES}", key)
    lines = warehouse.value(
        "select count(*) from published.loyalty_ledger where period = ? and version = ?", key
    )
    identities = [
        (text, warehouse.value(sql, key * (marks // 2))) for text, sql, marks in IDENTITIES
    ]
    return {"members": members, "lines": lines, "identities": identities}


def write_loyalty_rulebook(
    ws: Workspace, warehouse: Warehouse, period: str, version: int, folder: Path
) -> list[str]:
    """``rulebook/loyalty_rulebooks.csv`` with the rows of the loyalty book versions the
    version's lines and lots name, and their YAML files in ``rulebook/yaml/``; the versions."""
    versions = [
        row[0]
        for row in warehouse.rows(
            "select rulebook_version from published.loyalty_ledger where period = ? and "
            "version = ? union select rulebook_version from published.member_lots "
            "where period = ? and version = ? order by 1",
            [period, version, period, version],
        )
        if row[0]
    ]
    if not versions:
        return []
    path = seeds_dir(ws) / f"{SEED}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [row for row in reader if row and row[0] in versions]
    with (folder / f"{SEED}.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerows([header, *rows])
    _copy_yaml(ws, versions, folder / "yaml")
    return versions


def _copy_yaml(ws: Workspace, versions: list[str], folder: Path) -> None:
    from orchestration.rulebooks.live import rulebook_files

    for path in rulebook_files(ws):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        found = re.search(r"""^version:\s*["']?([^"'\s#]+)""", text, re.MULTILINE)
        if found and found[1] in versions and not (folder / f"{found[1]}.yaml").exists():
            folder.mkdir(exist_ok=True)
            (folder / f"{found[1]}.yaml").write_bytes(path.read_bytes())


def _mark(broken: int) -> str:
    return "yes" if not broken else f"**NO** ({broken} row(s) break it)"


def readme_checks(checks: dict) -> str:
    """The pack's check lines for the loyalty tables (none without a loyalty program)."""
    loyalty = checks.get("loyalty")
    if not loyalty or not loyalty["members"]:
        return ""
    return "".join(f"- {text}: {_mark(broken)}\n" for text, broken in loyalty["identities"])


def readme_section(checks: dict, number: int, period: str) -> str:
    """``## N. Check a member's balance by hand`` (empty without a loyalty program)."""
    loyalty = checks.get("loyalty")
    if not loyalty or not loyalty["members"]:
        return ""
    versions = ", ".join(f"`{v}`" for v in checks.get("loyalty_rulebooks", [])) or "none"
    return f"""
## {number}. Check a member's loyalty balance by hand

The customer loyalty program ({loyalty["members"]} members, {loyalty["lines"]} ledger lines in
this version) is published by the same close. Its rule book rows are in
`rulebook/loyalty_rulebooks.csv` (versions {versions}): points per `earn_amount` CNY, welcome
and frequency points, the redemption unit and its value, the monthly limit and the months a lot
lasts. Loyalty results are never restated: a restatement carries them over unchanged.

1. Pick a member in `member_balances.csv`. `opening_points` is that member's `closing_points`
   in the previous month's pack (its latest version).
2. Filter `loyalty_ledger.csv` to the member. A line with `source_file` was caused by that
   landed row (`sales`: `txn_id` = `source_id`, a purchase earns floor(amount / `earn_amount`);
   `members`: the member row; `redemptions`: `redemption_id` = `source_id`). An `EXPIRY` or
   `FORFEIT` line empties the lot named by `lot_id` (`<KIND>:<source id>` of the line that
   created it); a line without `lot_id` is the part of a reversal or redemption added to debt.
3. The member's lines add up to `closing_points` - `opening_points`; the `late` ones (the
   correction of earlier dates, rows in `loyalty_adjustments.csv`) to
   `prior_period_adjustment`; `closing_points` is opening + adjustment + earned + reversed +
   redeemed + expired + forfeited.
4. The member's rows of `member_lots.csv` (points left in each lot) minus `debt_points` equal
   `closing_points`; `liability_cny` is max(`closing_points`, 0) x 0.10.
5. `redemption_register.csv` lists the redemptions accepted: each one's `REDEMPTION` lines (one
   per lot it took from) add up to minus its `points`.
6. `loyalty_kpis.csv` holds the sums of `member_balances.csv`'s columns.

`jifen trace --line <line_id> --period {period}` shows the landed row of a line, or the lot an
expiry or forfeit empties and the line that created it.
"""
