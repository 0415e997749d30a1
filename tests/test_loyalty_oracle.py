"""The loyalty program's published tables against the independent oracle (tests/oracle/loyalty.py),
row by row (ledger lines included) and close by close, across four closes with late deliveries:

- on generated data (`orchestration.generate` with members and redemptions), each month's files
  landed before its close, so every later delivery brings rows dated in closed months;
- on a small hand-built landing folder aimed at the contract's edges: every reason code of both
  sources, several lots expiring on one day, partly consumed lots, FIFO across lots, debt from a
  late return after a redemption, a redemption accepted in a published close that later lacks
  points (and one whose member's enrolment is later corrected past it), the frequency bonus at
  exactly 4 and 5 orders (and a late 5th), leavers (known and keyed late), every offer at its
  boundaries (EXPIRING_SOON 99/100, WIN_BACK at 90 days, NEAR_REWARD 69/70/99/100).

The hand-built scenario's key outcomes are also checked on the oracle alone, computed by hand in
the comments, so the oracle is proven on these edges before it judges the pipeline.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from loyalty_tables import TABLES, ClosedPeriod, close_in_lockstep, compare_with_oracle
from oracle.loyalty import LoyaltyClose, LoyaltyOracle

from orchestration.generate import generate
from orchestration.lib.workspace import Workspace

PERIODS = ["2026-07", "2026-08", "2026-09", "2026-10"]
ERROR_BUDGET = 1.0  # the error budget is not what these tests are about
D = dt.date

# --------------------------------------------------------------------------------------
# Generated data, each month's delivery landed before its close
# --------------------------------------------------------------------------------------


def _delivery_month(file: Path) -> str:
    stamp = re.search(r"[0-9]{4}-[0-9]{2}", file.name)
    assert stamp, f"generated file without a month stamp: {file}"
    return stamp.group(0)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, ClosedPeriod]:
    root = tmp_path_factory.mktemp("loyalty-generated")
    staging = root / "staging"
    generate(staging, seed=11, months=PERIODS, reps=12, sales_per_rep_month=10)
    delivered = sorted((f for f in (staging / "landing").rglob("*") if f.is_file()), key=str)
    assert any(f.parent.name == "members" for f in delivered), "the generator wrote no members"
    workspace = Workspace.at(root / "home").prepare().create_landing()

    def land(period: str) -> None:
        for file in delivered:
            target = workspace.landing / file.parent.name / file.name
            if _delivery_month(file) <= period and not target.exists():
                shutil.copyfile(file, target)

    return close_in_lockstep(workspace.home, PERIODS, land, ERROR_BUDGET)


def test_generated_deliveries_bring_late_rows_to_closed_months(generated):
    """Otherwise the comparison below would not cover late data."""
    late_closes = [
        period
        for period in PERIODS[1:]
        if any(line.late for line in generated[period].oracle_close.ledger)
        and generated[period].oracle_close.adjustments
    ]
    assert len(late_closes) >= 2, late_closes


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("period", PERIODS)
def test_generated_closes_equal_the_oracle(generated, period, table):
    compare_with_oracle(generated, period, table)


# --------------------------------------------------------------------------------------
# The hand-built landing folder: (period it lands before, source, file, rows)
# --------------------------------------------------------------------------------------

HEADERS = {
    "reps": "rep_id,rep_name,team_id,role,hire_date,leave_date",
    "customers": "customer_id,customer_name,segment,region,created_date",
    "sales": "txn_id,txn_type,order_id,rep_id,customer_id,txn_date,amount,currency",
    "members": "customer_id,card_id,enrolled_date,left_date",
    "redemptions": "redemption_id,customer_id,redeemed_date,points,reward",
}
CUSTOMERS = (
    "CA",
    "CB",
    "CW1",
    "CW2",
    "CW3",
    "CW4",
    "CE1",
    "CE2",
    "CE3",
    "CE4",
    "CN70",
    "CN69",
    "CF5",
    "CF4",
    "CD",
    "CH",
    "CNM",
    "CL",
    "CL2",
    "CBIG",
    "CX",
    "CNL",
    "CNOT",
    "CM1",
    "CM2",
    "CM3",
    "CM4",
)


def _sale(txn: str, order: str, customer: str, day: str, amount: str, kind: str = "sale") -> str:
    return f"{txn},{kind},{order},R1,{customer},{day},{amount},CNY"


DELIVERIES: list[tuple[str, str, str, list[str]]] = [
    ("2026-07", "reps", "reps_2026-07.csv", ["R1,Ann,T1,rep,2020-01-01,"]),
    (
        "2026-07",
        "customers",
        "customers_2026-07.csv",
        [f"{c},Name {c},consumer,N,2020-01-01" for c in CUSTOMERS],
    ),
    (
        "2026-07",
        "members",
        "members_2026-07.csv",
        [
            "CA,KA,2025-08-05,",  # lots expiring together on 2026-08-31
            "CB,KB,2026-01-10,",  # FIFO, a partly consumed lot, WIN_BACK
            "CW1,KW1,2026-05-02,",  # enrolled exactly 90 days before 07-31
            "CW2,KW2,2026-05-03,",  # 89 days: too recent for WIN_BACK
            "CW3,KW3,2026-01-01,",  # bought on 05-03 (inside the 90 days)
            "CW4,KW4,2026-01-01,",  # bought on 05-02 (just outside)
            "CE1,KE1,2025-08-03,",  # 100 expiring in August
            "CE2,KE2,2025-07-20,",  # 99 expiring in August
            "CE3,KE3,2025-09-15,",
            "CE4,KE4,2025-10-31,",
            "CN70,KN70,2026-07-01,",
            "CN69,KN69,2026-07-01,",
            "CF5,KF5,2026-01-01,",
            "CF4,KF4,2026-01-01,",
            "CD,KD,2026-06-01,",
            "CH,KH,2026-06-01,",
            "CNM,KNM,2026-06-01,",
            "CL,KL,2026-02-01,",  # leaves 08-15, keyed in September
            "CL2,KL2,2025-01-01,2026-07-10",  # leaves in July
            "CBIG,KBIG,2026-01-01,",
            "CX,KX,2026-01-01,",  # twice, identical: loaded once
            "CX,KX,2026-01-01,",
            "CM1,,2026-01-01,",  # missing_field
            "CM2,KM2,2026-02-30,",  # bad_type
            "CM3,KM3,2026-03-01,2026-02-01",  # bad_date_range
            "CM4,KM4,2026-01-01,",  # duplicate_conflict (both rows)
            "CM4,KM4X,2026-01-01,",
            "C99,K99,2026-01-01,",  # unknown_customer
        ],
    ),
    (
        "2026-07",
        "sales",
        "sales_2026-07.csv",
        [
            _sale("SA1", "OA1", "CA", "2025-08-10", "500.00"),
            _sale("SA2", "OA2", "CA", "2025-08-20", "1300.00"),
            _sale("SB1", "OB1", "CB", "2026-02-01", "1500.00"),
            _sale("SB2", "OB2", "CB", "2026-03-01", "1000.00"),
            _sale("SW1", "OW1", "CW1", "2026-07-15", "5.00"),  # 0 points: no line
            _sale("SW3", "OW3", "CW3", "2026-05-03", "10.00"),
            _sale("SW4", "OW4", "CW4", "2026-05-02", "10.00"),
            _sale("SE2", "OE2", "CE2", "2025-08-10", "990.00"),
            _sale("SN70", "ON70", "CN70", "2026-07-03", "700.00"),
            _sale("SN69", "ON69", "CN69", "2026-07-03", "690.00"),
            *(
                _sale(f"SF5{i}", f"OF5{i}", "CF5", f"2026-07-0{i + 1}", "100.00")
                for i in range(1, 6)
            ),
            *(
                _sale(f"SF4{i}", f"OF4{i}", "CF4", f"2026-07-0{i + 1}", "100.00")
                for i in range(1, 6)
            ),
            _sale("RF45", "OF45", "CF4", "2026-07-07", "100.00", "return"),  # OF45 not qualifying
            _sale("SD1", "OD1", "CD", "2026-07-02", "3000.00"),
            _sale("SH1", "OH1", "CH", "2026-07-01", "2000.00"),
            _sale("SL1", "OL1", "CL", "2026-07-05", "500.00"),
            _sale("SL21", "OL21", "CL2", "2026-07-05", "200.00"),
            _sale("RL21", "OL21", "CL2", "2026-07-20", "200.00", "return"),  # after leaving
            _sale("SL22", "OL22", "CL2", "2026-07-15", "300.00"),  # after leaving
            _sale("SBIG", "OBIG", "CBIG", "2026-06-01", "100000.00"),
            "SUSD,sale,OUSD,R1,CBIG,2026-07-03,1000.00,USD",  # quarantined by the sales program
            _sale("SNOT", "ONOT", "CNOT", "2026-07-03", "400.00"),  # not a member
        ],
    ),
    (
        "2026-07",
        "redemptions",
        "redemptions_2026-07.csv",
        [
            "XA1,CA,2026-07-05,100,coupon",
            "XB1,CB,2026-07-10,200,coupon",
            "XN70,CN70,2026-07-02,100,coupon",
            "XN69,CN69,2026-07-02,100,coupon",
            "XD1,CD,2026-07-10,400,coupon",
            "XH1,CH,2026-07-15,300,coupon",
            "XNM,CNM,2026-07-20,100,coupon",
            "XBIG1,CBIG,2026-07-05,3000,coupon",
            "XBIG2,CBIG,2026-07-06,2500,coupon",  # 5500 > 5000: over_redemption_limit
            "XBIG3,CBIG,2026-07-07,2000,coupon",  # exactly 5000: accepted
            "XBIG4,CBIG,2026-07-08,100,coupon",  # over_redemption_limit
            "XI1,CW2,2026-07-20,200,coupon",  # insufficient_points (100)
            "XQ1,CA,2026-07-21,100,",  # missing_field
            "XQ2,CA,2026-07-21,100.0,coupon",  # bad_type
            "XQ3,CA,2026-07-21,150,coupon",  # bad_points
            "XQ4,CA,2026-07-21,0,coupon",  # bad_points
            "XQ5,CA,2026-07-21,100,coupon",  # duplicate_conflict (both rows)
            "XQ5,CA,2026-07-22,100,coupon",
            "XQ6,C99,2026-07-21,100,coupon",  # unknown_customer
            "XQ7,CNOT,2026-07-21,100,coupon",  # not_member: never enrolled
            "XQ8,CN70,2026-06-30,100,coupon",  # not_member: before enrolment
            "XQ9,CL2,2026-07-11,100,coupon",  # not_member: the day after leaving
            "XQ10,CL2,2026-07-10,100,coupon",  # a member on left_date; 20 points: insufficient
        ],
    ),
    (
        "2026-08",
        "sales",
        "sales_2026-08.csv",
        [
            _sale("SF46", "OF46", "CF4", "2026-07-20", "100.00"),  # late 5th July order
            _sale("RD1", "OD1", "CD", "2026-07-20", "3000.00", "return"),  # after XD1: debt
            _sale("SD2", "OD2", "CD", "2026-08-05", "1000.00"),  # pays debt first
            _sale("RH1", "OH1", "CH", "2026-07-05", "2000.00", "return"),  # before XH1
            _sale("RF51", "OF51", "CF5", "2026-08-03", "100.00", "return"),  # bonus stays
            _sale("SL3", "OL3", "CL", "2026-08-20", "200.00"),  # after CL's (late) leave
            _sale("SNL", "ONL", "CNL", "2026-07-20", "1000.00"),  # a late member's purchase
        ],
    ),
    (
        "2026-08",
        "members",
        "members_2026-08.csv",
        [
            "CNL,KNL,2026-07-15,",  # enrolled in July, exported in August
            "CB,KB,2026-01-10,",  # duplicate_conflict inside this delivery: CB keeps July's
            "CB,KB2,2026-01-10,",
        ],
    ),
    (
        "2026-08",
        "redemptions",
        "redemptions_2026-08.csv",
        [
            "XBIG5,CBIG,2026-08-01,5000,coupon",  # a new month: accepted
            "XBIG6,CBIG,2026-08-02,200,coupon",  # over_redemption_limit
            "XLT,CW4,2026-07-25,100,coupon",  # late: accepted, in August's register
        ],
    ),
    (
        "2026-09",
        "members",
        "members_2026-09.csv",
        [
            "CL,KL,2026-02-01,2026-08-15",  # the leave, keyed late
            "CNM,KNM,2026-07-25,",  # enrolment corrected past the accepted XNM
        ],
    ),
    ("2026-09", "sales", "sales_2026-09.csv", [_sale("SW2", "OW2", "CW2", "2026-09-10", "300.00")]),
    (
        "2026-09",
        "redemptions",
        "redemptions_2026-09.csv",
        [
            "XBIG7,CBIG,2026-09-03,200,coupon",  # insufficient_points (100 left)
            "XL1,CL,2026-09-05,100,coupon",  # not_member: CL left on 08-15
        ],
    ),
    ("2026-10", "sales", "sales_2026-10.csv", [_sale("SO1", "OO1", "CW1", "2026-10-02", "200.00")]),
    (
        "2026-10",
        "redemptions",
        "redemptions_2026-10.csv",
        [
            "XLS,CW2,2026-09-20,100,coupon",  # late: accepted, in October's register
            "XO1,CB,2026-10-05,100,coupon",
        ],
    ),
]


def _land_hand_built(landing: Path, period: str) -> None:
    for lands_before, source, name, rows in DELIVERIES:
        if lands_before == period:
            folder = landing / source
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text("\n".join([HEADERS[source], *rows]) + "\n")


@pytest.fixture(scope="module")
def hand_built_oracle(tmp_path_factory) -> dict[str, LoyaltyClose]:
    landing = tmp_path_factory.mktemp("loyalty-hand-built-oracle") / "landing"
    oracle = LoyaltyOracle()
    closes = {}
    for period in PERIODS:
        _land_hand_built(landing, period)
        closes[period] = oracle.close(landing, period)
    return closes


@pytest.fixture(scope="module")
def hand_built(tmp_path_factory) -> dict[str, ClosedPeriod]:
    home = tmp_path_factory.mktemp("loyalty-hand-built") / "home"
    workspace = Workspace.at(home).prepare().create_landing()
    return close_in_lockstep(
        workspace.home,
        PERIODS,
        lambda period: _land_hand_built(workspace.landing, period),
        ERROR_BUDGET,
    )


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("period", PERIODS)
def test_hand_built_closes_equal_the_oracle(hand_built, period, table):
    compare_with_oracle(hand_built, period, table)


# --------------------------------------------------------------------------------------
# The oracle on the hand-built folder, against values worked out by hand
# --------------------------------------------------------------------------------------


def _verdicts(close: LoyaltyClose, source: str) -> Counter:
    return Counter(q.reason for q in close.quarantine if q.source == source)


def test_every_reason_code_of_both_sources(hand_built_oracle):
    july, september = hand_built_oracle["2026-07"], hand_built_oracle["2026-09"]
    assert _verdicts(july, "members") == {
        "missing_field": 1,
        "bad_type": 1,
        "bad_date_range": 1,
        "duplicate_conflict": 2,
        "unknown_customer": 1,
    }
    assert _verdicts(july, "redemptions") == {
        "missing_field": 1,
        "bad_type": 1,
        "bad_points": 2,
        "duplicate_conflict": 2,
        "unknown_customer": 1,
        "not_member": 3,  # XQ7, XQ8, XQ9
        "over_redemption_limit": 2,  # XBIG2, XBIG4
        "insufficient_points": 2,  # XI1, XQ10
    }
    # As of September: CB's conflicting August rows; XBIG6 over the limit; XBIG7 short; XL1
    # after CL's late leave.
    assert _verdicts(september, "members")["duplicate_conflict"] == 4
    assert _verdicts(september, "redemptions") == {
        **_verdicts(july, "redemptions"),
        "not_member": 4,
        "over_redemption_limit": 3,
        "insufficient_points": 3,
    }


def test_offers_at_their_boundaries(hand_built_oracle):
    offers = {cid: (o.offer, o.points) for cid, o in hand_built_oracle["2026-07"].offers.items()}
    assert offers == {
        "CA": ("EXPIRING_SOON", 180),  # 50 + 130 left, both expire 2026-08-31
        "CE1": ("EXPIRING_SOON", 100),  # exactly 100
        "CE2": ("NEAR_REWARD", 1),  # 99 expiring (no EXPIRING_SOON), 99 available
        "CN70": ("NEAR_REWARD", 30),  # 70 available; CN69 (69) gets none
        "CB": ("WIN_BACK", 150),  # 100 + 150 + 100 - 200
        "CW1": ("WIN_BACK", 100),  # enrolled 05-02 = 07-31 - 90 days; a 0-point sale
        "CW4": ("WIN_BACK", 101),  # last purchase 05-02, outside 05-03..07-31
        "CE3": ("WIN_BACK", 100),
        "CE4": ("WIN_BACK", 100),
        "CX": ("WIN_BACK", 100),
        # CW2 (enrolled 05-03, 100 available), CW3 (bought 05-03) and CBIG (bought 06-01):
        # no offer; CL2 left in July, CD/CH/CNM hold nothing.
    }


def test_lots_expire_together_and_in_creation_order(hand_built_oracle):
    august = hand_built_oracle["2026-08"]
    expiries = sorted(
        (x.customer_id, x.lot_id, x.points)
        for x in august.ledger
        if x.kind == "EXPIRY" and not x.late
    )
    assert expiries == [
        ("CA", "PURCHASE:SA1", -50),
        ("CA", "PURCHASE:SA2", -130),
        ("CE1", "WELCOME:CE1", -100),
        ("CE2", "PURCHASE:SE2", -99),
    ]
    assert all(x.event_date == D(2026, 8, 31) for x in august.ledger if x.kind == "EXPIRY")
    cb = [(x.lot_id, x.points) for x in hand_built_oracle["2026-07"].ledger if x.source_id == "XB1"]
    assert cb == [("WELCOME:CB", -100), ("PURCHASE:SB1", -100)]  # FIFO; SB1 keeps 50


def test_frequency_bonus_at_four_and_five_orders(hand_built_oracle):
    def bonuses(period: str) -> list[tuple[str, int, bool]]:
        return sorted(
            (x.customer_id, x.points, x.late)
            for x in hand_built_oracle[period].ledger
            if x.kind == "FREQUENCY_BONUS"
        )

    assert bonuses("2026-07") == [("CF5", 50, False)]  # CF4: 4 orders (OF45 fully returned)
    assert bonuses("2026-08") == [("CF4", 50, True)]  # the late 5th order; CF5 keeps its bonus
    assert hand_built_oracle["2026-08"].balances["CF4"].prior_period_adjustment == 60


def test_debt_from_late_returns_and_honoured_redemptions(hand_built_oracle):
    august = hand_built_oracle["2026-08"]
    cd, ch = august.balances["CD"], august.balances["CH"]
    # CD: XD1 took all 400; the late return RD1 takes 300 more: all debt. SD2 pays 100 of it.
    assert (cd.opening_points, cd.prior_period_adjustment, cd.earned) == (0, -300, 100)
    assert (cd.closing_points, cd.debt_points) == (-200, 200)
    # CH: the late return RH1 (07-05) empties SH1's lot before XH1 (07-15), which was accepted
    # in July's close: it takes the welcome lot's 100 and owes 200.
    assert (ch.prior_period_adjustment, ch.closing_points, ch.debt_points) == (-200, -200, 200)
    xh1 = sorted((x.lot_id or "", x.points, x.late) for x in august.ledger if x.source_id == "XH1")
    assert xh1 == [("", -200, True), ("PURCHASE:SH1", 200, True)]
    assert "XH1" not in august.register  # accepted in July: not again, not late
    verdicts = {(q.source_file, q.row_number): q.reason for q in august.quarantine}
    assert ("redemptions_2026-07.csv", 6) not in verdicts  # XH1 is never quarantined


def test_late_members_leavers_and_late_redemptions(hand_built_oracle):
    august, september, october = (hand_built_oracle[p] for p in PERIODS[1:])
    # CNL: a member exported late; its July welcome and purchase are the adjustment.
    cnl = august.balances["CNL"]
    assert (cnl.opening_points, cnl.prior_period_adjustment, cnl.closing_points) == (0, 200, 200)
    assert august.adjustments["CNL"].late_rows == [
        {"source": "members", "file": "members_2026-08.csv", "row": 1},
        {"source": "sales", "file": "sales_2026-08.csv", "row": 7},
    ]
    assert (august.register["XLT"].late, august.adjustments["CW4"].prior_period_adjustment) == (
        True,
        -100,
    )
    # CL left on 08-15 (keyed in September): forfeits 150 then, and SL3 (08-20) no longer earns.
    cl = september.balances["CL"]
    assert (cl.opening_points, cl.prior_period_adjustment, cl.closing_points) == (170, -170, 0)
    assert sorted((x.kind, x.points) for x in september.ledger if x.customer_id == "CL") == [
        ("FORFEIT", -100),
        ("FORFEIT", -50),
        ("PURCHASE", -20),
    ]
    # CNM's enrolment moves past XNM, accepted in July: XNM still stands (owed until the
    # welcome points pay it); the balance does not move.
    cnm = sorted(
        (x.kind, x.event_date, x.lot_id or "", x.points)
        for x in september.ledger
        if x.customer_id == "CNM"
    )
    assert cnm == [
        ("REDEMPTION", D(2026, 7, 20), "", -100),
        ("REDEMPTION", D(2026, 7, 20), "WELCOME:CNM", 100),
        ("WELCOME", D(2026, 6, 1), "WELCOME:CNM", -100),
        ("WELCOME", D(2026, 7, 25), "WELCOME:CNM", 100),
    ]
    assert september.balances["CNM"].prior_period_adjustment == 0
    assert "CNM" not in september.adjustments
    assert october.register["XLS"].late and not october.register["XO1"].late
