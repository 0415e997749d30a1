from dagster import Definitions

from orchestration.defs.validate.assets import validated_inputs

defs = Definitions(assets=[validated_inputs])
