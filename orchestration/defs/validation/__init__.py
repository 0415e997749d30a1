from dagster import Definitions

from orchestration.defs.validation.assets import validated_inputs

defs = Definitions(assets=[validated_inputs])
