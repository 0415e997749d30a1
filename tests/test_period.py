from datetime import date

import pytest

from orchestration.lib.period import parse_period, partition_key, previous_period, window


def test_window_of_a_month_covers_every_day():
    w = window("2026-02")
    assert (w.first_day, w.last_day) == (date(2026, 2, 1), date(2026, 2, 28))
    assert window("2028-02").last_day == date(2028, 2, 29)
    assert w.env() == {
        "JIFEN_PERIOD": "2026-02",
        "JIFEN_PERIOD_START": "2026-02-01",
        "JIFEN_PERIOD_END": "2026-02-28",
    }


def test_partition_keys_and_periods_map_both_ways():
    assert partition_key("2026-07") == "2026-07-01"
    assert parse_period("2026-07-01") == "2026-07"
    assert previous_period(date(2026, 1, 3)) == "2025-12"


@pytest.mark.parametrize("bad", ["2026-13", "2026-7", "July", "2026-07-02"])
def test_bad_periods_are_refused_with_the_expected_shape(bad):
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_period(bad)
