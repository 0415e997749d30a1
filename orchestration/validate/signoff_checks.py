"""The checks across rows of the sign-off sources, in the contract's order within each.

Disputes, their decisions and the rule book acknowledgements (schemas/contract.py) never earn
points, so a rep who left may still dispute or acknowledge: their rep must be known
(``unknown_rep``), never active (no ``rep_inactive``; docs/decisions.md). Beyond the keys:

- a dispute's ``line_id``, when given, is a line of that rep's published ledger for that period,
  in any version (``unknown_line``);
- a decision is for a loaded dispute (``unknown_dispute``);
- an ``accepted`` decision names exactly one resolution, and it exists: a loaded manual adjustment
  of the dispute's rep, or a published version > 1 of the disputed period; a ``rejected`` one
  names none (``missing_resolution``).

They run after every other source's checks: a decision refers to the loaded adjustments.
"""

from __future__ import annotations

from collections.abc import Callable

from orchestration.validate.cross_row_checks import _duplicates, _quarantine, _unknown_reps
from orchestration.warehouse.connection import Warehouse
from schemas.contract import ACKNOWLEDGEMENTS, DISPUTE_DECISIONS, DISPUTES


def check_signoff_sources(warehouse: Warehouse, progress: Callable[[str], None]) -> None:
    progress("validating disputes, dispute decisions and acknowledgements")
    _duplicates(warehouse, DISPUTES, per_delivery=False)
    _unknown_reps(warehouse, DISPUTES)
    _unknown_lines(warehouse)
    _duplicates(warehouse, DISPUTE_DECISIONS, per_delivery=False)
    _unknown_disputes(warehouse)
    _missing_resolutions(warehouse)
    _duplicates(warehouse, ACKNOWLEDGEMENTS, per_delivery=False)
    _unknown_reps(warehouse, ACKNOWLEDGEMENTS)


def _unknown_lines(warehouse: Warehouse) -> None:
    _quarantine(
        warehouse,
        DISPUTES.name,
        "unknown_line",
        """select d.raw_id, 'line ' || d.line_id || ' is not in the published ledger of rep '
                   || d.rep_id || ' for ' || d.period
                   || case when d.period not in (select period from published.publications)
                           then ' (' || d.period || ' has no published version)' else '' end
                   as detail
           from alive_disputes d
           where d.line_id is not null and not exists (
               select 1 from published.points_ledger l
               where l.period = d.period and l.rep_id = d.rep_id and l.line_id = d.line_id)""",
    )


def _unknown_disputes(warehouse: Warehouse) -> None:
    _quarantine(
        warehouse,
        DISPUTE_DECISIONS.name,
        "unknown_dispute",
        """select raw_id, 'dispute ' || dispute_id || ' is not a loaded dispute' as detail
           from alive_dispute_decisions
           where dispute_id not in (select dispute_id from alive_disputes)""",
    )


def _missing_resolutions(warehouse: Warehouse) -> None:
    """One detail per decision, the first problem found in this order."""
    _quarantine(
        warehouse,
        DISPUTE_DECISIONS.name,
        "missing_resolution",
        """select raw_id, detail from (
               select f.raw_id, case
                   when f.decision = 'rejected'
                        and (f.adjustment_id is not null or f.restated_version is not null)
                   then 'a rejected decision names no resolution, not '
                        || coalesce('adjustment_id ' || f.adjustment_id,
                                    'restated_version ' || f.restated_version)
                   when f.decision = 'rejected' then null
                   when f.adjustment_id is null and f.restated_version is null
                   then 'an accepted decision names neither an adjustment_id nor a '
                        || 'restated_version'
                   when f.adjustment_id is not null and f.restated_version is not null
                   then 'an accepted decision names both adjustment_id ' || f.adjustment_id
                        || ' and restated_version ' || f.restated_version
                   when f.adjustment_id is not null and not exists (
                        select 1 from alive_adjustments a
                        where a.adjustment_id = f.adjustment_id and a.rep_id = d.rep_id)
                   then 'adjustment ' || f.adjustment_id
                        || ' is not a loaded manual adjustment of rep ' || d.rep_id
                   when f.restated_version is not null and (f.restated_version < 2 or not exists (
                        select 1 from published.publications p
                        where p.period = d.period and p.version = f.restated_version))
                   then 'version ' || f.restated_version || ' of ' || d.period
                        || ' is not a published restatement (a version > 1)'
               end as detail
               from alive_dispute_decisions f join alive_disputes d using (dispute_id)
           ) where detail is not null""",
    )
