"""The close's partitions: one per calendar month (``lib/period.py`` maps a key to a period)."""

from dagster import MonthlyPartitionsDefinition

# History starts early enough for any realistic landing data; the end is open.
monthly_partitions = MonthlyPartitionsDefinition(start_date="2020-01-01", end_offset=1)
