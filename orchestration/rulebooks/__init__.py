"""Rule books as versioned, readable YAML (``rulebooks/*.yaml``), checked and compiled to seeds.

A sales-ops person writes one YAML file per rule book version: ``source`` reads the YAML with
its lines, ``parse`` types every field, ``check`` reports every problem with its file, line and
YAML path; ``compiler`` turns the books (``live``: the repository's and the workspace's) into
the dbt seed CSVs that every rule is computed from, and ``seeds`` reads them back for whatever
needs a book as the closes used it; ``promotion`` adds a candidate to a workspace from a future
date, judged against ``workspace_facts`` (loaded teams and roles, closed periods). The loyalty
program's books (``program: loyalty``) go the same way: ``parse.loyalty``, ``check_loyalty``,
the seed ``loyalty_rulebooks`` (``compiler.render_loyalty_seeds``, ``seeds.read_loyalty_books``).
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
from orchestration.rulebooks.compiler import (
    CompileResult,
    compile_files,
    render_loyalty_seeds,
    render_seeds,
)
from orchestration.rulebooks.live import (
    VersionInfo,
    check_in_workspace,
    compile_repository,
    compile_workspace,
    compile_workspace_result,
    effective_spans,
    list_versions,
    rulebook_files,
)
from orchestration.rulebooks.model import LoyaltyBook, Reward, Rule, RuleBook, Tier
from orchestration.rulebooks.problems import Problem, RulebookError, Severity
from orchestration.rulebooks.promotion import Promotion, PromotionRefused, promote
from orchestration.rulebooks.seeds import (
    read_books,
    read_folder,
    read_loyalty_books,
    read_loyalty_folder,
    seeds_dir,
)

__all__ = [
    "CheckReport",
    "CompileResult",
    "LoyaltyBook",
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
    "compile_workspace_result",
    "effective_spans",
    "list_versions",
    "load_file",
    "load_text",
    "promote",
    "read_books",
    "read_folder",
    "read_loyalty_books",
    "read_loyalty_folder",
    "render_loyalty_seeds",
    "render_seeds",
    "rulebook_files",
    "seeds_dir",
]
