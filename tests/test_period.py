from datetime import date

import pytest

from orchestration.lib.period import (
    is_period,
    parse_months,
    parse_period,
    partition_key,
    previous_period,
    window,
)


def test_window_of_a_month_covers_every_day():
    w = window("2026-02")
    assert (w.first_day, w.last_day) == (date(2026, 2, 1), date(2026, 2, 28))
    assert window("2028-02").last_day == date(2028, 2, 29)
    assert w.env() == {
        "JIFEN_PERIOD": "2026-02",
        "JIFEN_PERIOD_START": "2026-02-01",
        "JIFEN_PERIOD_END": "2026-02-28",
        "JIFEN_PREVIOUS_PERIOD": "2026-01",
    }
    assert window("2026-01").env()["JIFEN_PREVIOUS_PERIOD"] == "2025-12"


def test_partition_keys_and_periods_map_both_ways():
    assert partition_key("2026-07") == "2026-07-01"
    assert parse_period("2026-07-01") == "2026-07"
    assert parse_period(" 2026-07 ") == "2026-07"
    assert previous_period(date(2026, 1, 3)) == "2025-12"


@pytest.mark.parametrize("bad", ["2026-13", "2026-7", "July", "2026-07-02", "2026-00-01"])
def test_bad_periods_are_refused_with_the_expected_shape(bad):
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_period(bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-07", True),
        ("2026-12", True),
        ("2026-13", False),
        ("2026-00", False),
        ("2026-7", False),
        ("2026-07\n", False),
        (" 2026-07", False),
        (None, False),
    ],
)
def test_is_period_takes_nothing_but_a_real_month(text, expected):
    assert is_period(text) is expected


def test_month_lists_take_ranges_and_lists_sorted_without_repeats():
    assert parse_months("2026-07") == ["2026-07"]
    assert parse_months("2025-11..2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert parse_months("2026-09, 2026-07..2026-08,2026-08") == ["2026-07", "2026-08", "2026-09"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "bad month list"),
        ("2026-07,", "bad month list"),
        ("2026-13", "bad month '2026-13'"),
        ("1899-12", "bad month '1899-12'"),
        ("2026-10..2026-07", "start is after end"),
        ("2000-01..2010-01", "too many months"),
    ],
)
def test_bad_month_lists_name_the_problem(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_months(spec)
