"""The gate's record: the GX results of a passed gate, kept for the steps after it.

The gate, the publication and the reports are steps of their own, and the reports may be
re-rendered in a later run without publishing. So the gate writes what it checked to a JSON
record of the candidate; the publication keeps the record of the gate that let its version
through; the reports render that record's Data Docs. ``as_stored`` gives a result exactly as it
reads back from a record, so Data Docs rendered at once and rendered later are the same bytes.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from orchestration.gate.datadocs import write_data_docs
from orchestration.lib.workspace import Workspace


@dataclass(frozen=True)
class GateRecord:
    run_id: str  # the Dagster run whose gate passed
    checked: int  # expectations checked
    validations: list  # GX validation results, one per suite


def _from_json(data: dict):
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResultSchema,
    )
    from great_expectations.core.run_identifier import RunIdentifier

    result = ExpectationSuiteValidationResultSchema().load(data)
    if isinstance(run := result.meta.get("run_id"), dict):
        result.meta["run_id"] = RunIdentifier(**run)
    return result


def as_stored(validation):
    """A GX validation result as it reads back from a record: JSON values, run identifier kept."""
    return _from_json(json.loads(json.dumps(validation.to_json_dict())))


def candidate_record(ws: Workspace, period: str) -> Path:
    """The record of the gate the period's current candidate passed (none when it failed)."""
    return ws.state / "gate" / f"{period}.json"


def version_record(ws: Workspace, period: str, version: int) -> Path:
    return ws.state / "gate" / f"{period}-v{version}.json"


def failure_docs_dir(ws: Workspace, period: str) -> Path:
    return ws.state / "gate-failures" / period


def version_docs_dir(ws: Workspace, period: str, version: int) -> Path:
    return ws.reports_dir / "datadocs" / f"{period}-v{version}"


def save(path: Path, run_id: str, checked: int, validations: list) -> Path:
    record = {
        "run_id": run_id,
        "checked": checked,
        "validations": [validation.to_json_dict() for validation in validations],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
    os.replace(partial, path)
    return path


def load(path: Path) -> GateRecord | None:
    if not path.is_file():
        return None
    record = json.loads(path.read_text(encoding="utf-8"))
    validations = [_from_json(data) for data in record["validations"]]
    return GateRecord(record["run_id"], record["checked"], validations)


def record_passed_gate(
    ws: Workspace, period: str, run_id: str, checked: int, validations: list
) -> Path:
    return save(candidate_record(ws, period), run_id, checked, validations)


def record_failed_gate(ws: Workspace, period: str, validations: list) -> Path:
    """Forget the candidate's earlier pass; return the Data Docs of the failed gate."""
    candidate_record(ws, period).unlink(missing_ok=True)
    return write_data_docs(validations, failure_docs_dir(ws, period), f"jifen {period} (failed)")


def keep_for_version(ws: Workspace, period: str, version: int, published: bool) -> Path:
    """The record of the gate that let ``version`` through: a new version gets the candidate's
    gate; a standing version keeps its own (the candidate's when it has none)."""
    target = version_record(ws, period, version)
    if published or not target.exists():
        partial = target.with_name(f".{target.name}.partial")
        shutil.copyfile(candidate_record(ws, period), partial)
        os.replace(partial, target)
    return target


def version_data_docs(ws: Workspace, period: str, version: int) -> Path | None:
    """The Data Docs of the gate that let ``version`` through, rendered from its record when
    they are missing or older than it; None for a version without a record."""
    record_path = version_record(ws, period, version)
    index = version_docs_dir(ws, period, version) / "index.html"
    if not record_path.is_file():
        return None
    if index.is_file() and index.stat().st_mtime_ns >= record_path.stat().st_mtime_ns:
        return index
    record = load(record_path)
    return write_data_docs(record.validations, index.parent, f"jifen {period} v{version} gate")
