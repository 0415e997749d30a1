"""The validated rows each dbt model declares it reads, and the SQL that digests them per period.

Every model that ``int_ledger_lines`` is computed from and that reads validated rows (directly or
through its parents) declares, in its YAML (``config.meta.validated_inputs``), the rows and
columns it reads *directly*; a model that reads them only through its parents declares ``[]``.
One declaration names a ``stg_validated__*`` model, the ``columns`` read, and which rows:

- ``period: <column>``: every row, counted in the period (calendar month) of that column; with
  ``first_per: <key>`` and ``order_by: [...]`` only each key's first row over the whole history;
- ``joined_on: {<column>: <read>.<column>}``: the rows whose column equals that column of the rows
  another declaration (``name: <read>``, on the model or one of its parents) reads for a period;
- ``where: <SQL>``: an optional filter on the rows.

The columns of ``period``, ``first_per``, ``order_by`` and ``joined_on`` count as read. The close
plan (``marks.py``) digests, per period, every row so reached with the columns read, so any change
to what a period's ledger lines are computed from changes its mark. ``problems`` finds a model
that reads validated rows without declaring them, or declares what does not exist.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

LEDGER_MODEL = "int_ledger_lines"
VALIDATED_PREFIX = "stg_validated__"
META_KEY = "validated_inputs"
# Lineage travels along with a row and never changes its points.
LINEAGE_COLUMNS = frozenset({"source_file", "source_row_number", "source_file_hash"})
_KEYS = {"name", "model", "columns", "period", "first_per", "order_by", "joined_on", "where"}
_JOIN = re.compile(r"^(\w+)\.(\w+)$")
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/|\{#.*?#\}", re.S)
_WORDS = re.compile(r"[A-Za-z_]\w*")


class DeclarationError(ValueError):
    """A declaration that cannot be read."""


@dataclass(frozen=True)
class Read:
    """One declaration: rows of a validated model that a model reads, and which columns."""

    declared_by: str
    model: str
    columns: tuple[str, ...]
    name: str | None = None
    period: str | None = None
    first_per: str | None = None
    order_by: tuple[str, ...] = ()
    joined_on: tuple[str, str, str] | None = None  # (column, read name, that read's column)
    where: str | None = None

    @classmethod
    def parse(cls, declared_by: str, entry: object) -> Read:
        if not isinstance(entry, dict):
            raise DeclarationError(f"{declared_by}: a declaration is a mapping, not {entry!r}")
        unknown = set(entry) - _KEYS
        if unknown:
            raise DeclarationError(f"{declared_by}: unknown keys {sorted(unknown)}")
        if "model" not in entry or not entry.get("columns"):
            raise DeclarationError(f"{declared_by}: a declaration needs `model` and `columns`")
        return cls(
            declared_by=declared_by,
            model=entry["model"],
            columns=tuple(entry["columns"]),
            name=entry.get("name"),
            period=entry.get("period"),
            first_per=entry.get("first_per"),
            order_by=tuple(entry.get("order_by") or ()),
            joined_on=_joined_on(declared_by, entry.get("joined_on")),
            where=entry.get("where"),
        )

    @property
    def read_columns(self) -> tuple[str, ...]:
        keys = (self.period, self.first_per, *self.order_by, self.joined_on and self.joined_on[0])
        return tuple(dict.fromkeys(c for c in (*keys, *self.columns) if c))

    @property
    def rows(self) -> tuple:
        """Which rows are read: declarations that read the same rows are digested once."""
        return (self.model, self.period, self.first_per, self.order_by, self.joined_on, self.where)

    def shape_problems(self) -> list[str]:
        where = f"{self.declared_by} ({self.model})"
        if (self.period is None) == (self.joined_on is None):
            return [f"{where}: give exactly one of `period` and `joined_on`"]
        if bool(self.first_per) != bool(self.order_by) or (self.first_per and not self.period):
            return [f"{where}: `first_per` needs `order_by` and `period`, and the other way round"]
        return []


def _joined_on(declared_by: str, value: object) -> tuple[str, str, str] | None:
    if value is None:
        return None
    target = next(iter(value.values()), "") if isinstance(value, dict) else ""
    match = _JOIN.match(str(target))
    if not isinstance(value, dict) or len(value) != 1 or not match:
        raise DeclarationError(
            f"{declared_by}: `joined_on` is {{column: read.column}}, not {value}"
        )
    return next(iter(value)), match[1], match[2]


class Project:
    """The dbt project as its manifest describes it, for the models' declared inputs."""

    def __init__(self, manifest: dict):
        self.manifest = manifest
        self.models = {
            node["name"]: node
            for node in manifest["nodes"].values()
            if node["resource_type"] == "model"
        }

    @classmethod
    def load(cls, path: Path) -> Project:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def parents(self, name: str) -> list[str]:
        ids = self.models[name]["depends_on"]["nodes"]
        return [self.manifest["nodes"][i]["name"] for i in ids if i.startswith("model.")]

    def ancestors(self, name: str) -> set[str]:
        seen: set[str] = set()
        stack = self.parents(name)
        while stack:
            parent = stack.pop()
            if parent not in seen:
                seen.add(parent)
                stack.extend(self.parents(parent))
        return seen

    @cached_property
    def ledger_models(self) -> list[str]:
        """The models the ledger lines are computed from, and the ledger lines themselves."""
        names = self.ancestors(LEDGER_MODEL) | {LEDGER_MODEL}
        return sorted(name for name in names if not name.startswith(VALIDATED_PREFIX))

    def reads_validated(self, name: str) -> bool:
        return any(a.startswith(VALIDATED_PREFIX) for a in self.ancestors(name))

    def declared(self, name: str) -> list | None:
        return self.models[name]["config"].get("meta", {}).get(META_KEY)

    @cached_property
    def reads(self) -> list[Read]:
        """Every declaration of the ledger's models (raises on one that cannot be read)."""
        return [
            Read.parse(name, entry)
            for name in self.ledger_models
            for entry in self.declared(name) or []
        ]

    def source_table(self, model: str) -> str:
        """The validated table a staging model selects from (the marks read it directly: the
        staging views may not exist yet when a close is planned)."""
        (source,) = self.models[model]["depends_on"]["nodes"]
        return self.manifest["sources"][source]["identifier"]

    def columns(self, model: str) -> set[str]:
        return set(self.models[model]["columns"])

    def sql_words(self, name: str) -> set[str]:
        """Identifiers in a model's SQL and in the project macros it calls, comments left out."""
        texts, macros, seen = [self.models[name]["raw_code"]], [], set()
        macros.extend(self.models[name]["depends_on"]["macros"])
        while macros:
            macro = macros.pop()
            if macro in seen or not macro.startswith("macro.jifen."):
                continue
            seen.add(macro)
            texts.append(self.manifest["macros"][macro]["macro_sql"])
            macros.extend(self.manifest["macros"][macro]["depends_on"]["macros"])
        return set(_WORDS.findall(_COMMENTS.sub(" ", "\n".join(texts))))


def problems(project: Project) -> list[str]:
    """What makes the declarations miss an input or fail to build the marks' SQL."""
    found: list[str] = []
    for name in project.ledger_models:
        declared = project.declared(name)
        if declared is None:
            if project.reads_validated(name):
                found.append(f"{name} reads validated rows but declares no `{META_KEY}`")
            continue
        try:
            reads = [Read.parse(name, entry) for entry in declared]
        except DeclarationError as error:
            found.append(str(error))
            continue
        found += _model_problems(project, name, reads)
    if not found:
        found += _join_problems(project)
    return found


def _model_problems(project: Project, name: str, reads: list[Read]) -> list[str]:
    found: list[str] = []
    direct = {p for p in project.parents(name) if p.startswith(VALIDATED_PREFIX)}
    words = project.sql_words(name)
    for read in reads:
        found += read.shape_problems()
        if read.model not in direct:
            found.append(f"{name} declares {read.model}, which it does not ref")
            continue
        known = project.columns(read.model) - LINEAGE_COLUMNS
        for column in sorted(set(read.read_columns) - known):
            found.append(f"{name} declares {read.model}.{column}, which is not a column of it")
    for model in sorted(direct):
        declared = {c for r in reads if r.model == model for c in (*r.read_columns, *_where(r))}
        if not declared:
            found.append(f"{name} refs {model} but declares no read of it")
            continue
        used = (project.columns(model) - LINEAGE_COLUMNS) & words
        for column in sorted(used - declared):
            found.append(f"{name} uses {model}.{column} without declaring it")
    return found


def _where(read: Read) -> set[str]:
    return set(_WORDS.findall(read.where or ""))


def _join_problems(project: Project) -> list[str]:
    found: list[str] = []
    names: dict[str, Read] = {}
    for read in project.reads:
        if read.name and read.name in names:
            found.append(f"{read.declared_by}: the name {read.name} is already declared")
        elif read.name:
            names[read.name] = read
    for read in project.reads:
        if read.joined_on is None:
            continue
        _, target, column = read.joined_on
        source = names.get(target)
        visible = source and source.declared_by in {
            read.declared_by,
            *project.ancestors(read.declared_by),
        }
        if target == read.name:
            found.append(f"{read.declared_by}: {target} is joined on itself")
        elif not visible:
            found.append(f"{read.declared_by}: joined on {target}, not declared by it or a parent")
        elif column not in project.columns(source.model) - LINEAGE_COLUMNS:
            found.append(f"{read.declared_by}: joined on {target}.{column}, not a column")
    return found
