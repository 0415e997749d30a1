"""``python -m orchestration.cli``: the ``jifen`` command without its console script."""

from orchestration.cli import app

app()
