"""The stages of a close as a person names them, from the steps (assets) of its Dagster run.

The progress display and the alerts both speak of stages, never of step keys.
"""

from __future__ import annotations

# A close runs ingest, validate, dbt, gate, publish, reports; a provisional run ends with
# standings instead of the gate. A step not named here is a stage of its own name.
STEP_STAGES = {
    "unread_landing_files": "ingest",  # the scan of landing/ before the raw_ steps
    "validated_inputs": "validate",
    "points_models": "dbt",
    "quality_gate": "gate",
    "publication": "publish",
    "reports": "reports",
    "provisional_standings": "standings",
}


def stage_of(step_key: str | None) -> str:
    if step_key is None:
        return "run"
    if step_key.startswith("raw_"):
        return "ingest"
    return STEP_STAGES.get(step_key, step_key)
