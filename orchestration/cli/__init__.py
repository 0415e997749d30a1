"""The ``jifen`` command line. Every command that changes data launches a Dagster run.

One module per group of commands; each imports its heavy libraries (Dagster, dbt, pandera,
the generator) inside the command, so ``jifen --help`` or an unchanged re-close starts fast.
"""

from __future__ import annotations

import typer

from orchestration.cli import audit, close, data, report, results, serve, signoff, trial
from orchestration.cli.rules import rules_app

app = typer.Typer(
    help="jifen (积分): points-based sales incentives, validated, explained and versioned.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
COMMANDS = (  # in the order ``jifen --help`` lists them
    ("generate", data.generate),
    ("close", close.close),
    ("explain", results.explain),
    ("status", results.status),
    ("leaderboard", results.leaderboard),
    ("quarantine", results.quarantine),
    ("standings", close.standings),
    ("approve", signoff.approve),
    ("reject", signoff.reject),
    ("payout", signoff.payout),
    ("verify", audit.verify),
    ("trial", trial.trial),
    ("trace", audit.trace),
    ("audit-pack", audit.audit_pack),
    ("verify-chain", audit.verify_chain),
    ("report", report.report),
    ("demo", data.demo),
    ("serve", serve.serve),
)
for name, command in COMMANDS:
    app.command(name)(command)
app.add_typer(rules_app, name="rules")
