"""How far a run is, stage by stage: what the CLI's progress display shows.

Plain Python: ``defs/progress.py`` feeds it from the run's own Dagster events; the CLI draws it.
"""

from orchestration.progress.tracker import Stage, Tracker

__all__ = ["Stage", "Tracker"]
