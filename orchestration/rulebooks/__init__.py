"""Rule books as versioned, readable YAML (``rulebooks/*.yaml``), checked and compiled to seeds.

A sales-ops person writes one YAML file per rule book version; ``check`` reports every problem
with its file, line and YAML path; ``compile`` turns the live books into the dbt seed CSVs that
every rule is computed from; ``promote`` adds a candidate to a workspace from a future date.
"""

from orchestration.rulebooks.check import (
    CheckReport,
    check_book,
    check_documents,
    check_files,
    check_set,
    load_file,
    load_text,
)
from orchestration.rulebooks.compiler import CompileResult, compile_files, render_seeds
from orchestration.rulebooks.model import Reward, Rule, RuleBook, Tier
from orchestration.rulebooks.problems import Problem, RulebookError, Severity
from orchestration.rulebooks.workspace import (
    Promotion,
    PromotionRefused,
    VersionInfo,
    check_in_workspace,
    compile_repository,
    compile_workspace,
    list_versions,
    promote,
    rulebook_files,
)

__all__ = [
    "CheckReport",
    "CompileResult",
    "Problem",
    "Promotion",
    "PromotionRefused",
    "Reward",
    "Rule",
    "RuleBook",
    "RulebookError",
    "Severity",
    "Tier",
    "VersionInfo",
    "check_book",
    "check_documents",
    "check_files",
    "check_in_workspace",
    "check_set",
    "compile_files",
    "compile_repository",
    "compile_workspace",
    "list_versions",
    "load_file",
    "load_text",
    "promote",
    "render_seeds",
    "rulebook_files",
]
