"""Audit trail and tamper evidence over the published data (read-only).

- ``trace_line``: one published ledger line: the derivation dbt recorded for it when it was
  published (inputs, parameters, formula), back to the values as landed (derived lines to the
  lines they are computed from), with the landing file's current state. Nothing is recomputed.
- ``write_audit_pack``: a self-contained folder (and deterministic zip) to check a published
  version by hand.
- ``verify_chain``: recompute every publication's content hash and hash chain in every copy.
"""

from orchestration.audit.chain import chain_head, verify_chain
from orchestration.audit.pack import write_audit_pack
from orchestration.audit.readonly import AuditError, LineNotFound, WarehouseLocked
from orchestration.audit.trace import all_problems, trace_line

__all__ = [
    "AuditError",
    "LineNotFound",
    "WarehouseLocked",
    "all_problems",
    "chain_head",
    "trace_line",
    "verify_chain",
    "write_audit_pack",
]
