from dagster import Definitions

from orchestration.defs.publish.assets import publication

defs = Definitions(assets=[publication])
