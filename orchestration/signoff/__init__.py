"""Sign-off and payouts after a version is published (docs/operations.md, issue 13).

A published version starts ``pending``; a checker other than its closer approves or rejects it
(``decisions.py``, who acts: ``actor.py``); the latest approved version is paid once, a
restatement by its differences only (``payout.py``), its files put in place atomically
(``files.py``). Every decision and batch is a record of the publications' hash chain
(``orchestration/publish/store.py``, ``append_log``). Plain Python: no Dagster here.
"""

from orchestration.signoff.actor import acting_user
from orchestration.signoff.decisions import Decision, decide
from orchestration.signoff.files import recover_payouts
from orchestration.signoff.payout import Batch, pay_period
from orchestration.signoff.refusal import SignoffRefused

__all__ = [
    "Batch",
    "Decision",
    "SignoffRefused",
    "acting_user",
    "decide",
    "pay_period",
    "recover_payouts",
]
