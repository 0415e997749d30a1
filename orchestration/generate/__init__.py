"""Synthetic landing data for demos, tests and benchmarks (``jifen generate``, ``jifen demo``).

Outside the close's road: only the CLI, the tests and the bench import it.
"""

from orchestration.generate.landing import generate

__all__ = ["generate"]
