from dagster import Definitions

from orchestration.defs.points.assets import points_models

defs = Definitions(assets=[points_models])
