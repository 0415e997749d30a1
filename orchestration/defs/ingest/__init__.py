from dagster import Definitions

from orchestration.defs.ingest.assets import ingest_assets

defs = Definitions(assets=ingest_assets)
