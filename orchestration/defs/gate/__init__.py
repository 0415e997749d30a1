from dagster import Definitions

from orchestration.defs.gate.assets import quality_gate

defs = Definitions(assets=[quality_gate])
