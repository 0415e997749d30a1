from dagster import Definitions

from orchestration.defs.reports.assets import reports

defs = Definitions(assets=[reports])
