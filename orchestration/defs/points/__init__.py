from dagster import Definitions

from orchestration.defs.points.assets import points_models
from orchestration.defs.points.resources import dbt_resource

defs = Definitions(assets=[points_models], resources={"dbt": dbt_resource()})
