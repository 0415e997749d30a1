"""Where the repository's own parts are: one place, importable without any heavy library."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
REPO_SEEDS = REPO_ROOT / "seeds"  # the compiled repository rule book (dbt parse, dbt docs)
REPO_RULEBOOKS = REPO_ROOT / "rulebooks"
