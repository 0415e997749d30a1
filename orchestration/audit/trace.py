"""Walk one published ledger line back to the values as landed.

A line earned by a landed row (``source`` ``sales``/``surveys``) carries its lineage: the landing
file, the row number in it and the file's SHA-256 at ingestion. The trace fetches that row from
the warehouse's ``raw_<source>`` (every value as text, exactly as read), re-reads the row from
the landing file if it is still there, and recomputes the line's points from the raw values
under the line's rule book. A derived line (cap, gate, team bonus, adjustment) carries no
lineage: the trace returns the lines it is computed from, each traced the same way.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from orchestration.audit._common import (
    AuditError,
    LineNotFound,
    RuleBook,
    columns_of,
    fetch_dicts,
    open_readers_copy,
    open_warehouse,
    resolve_version,
    round_half_away,
)
from orchestration.defs.ingest.reader import FileRejected, read_landing_file, sha256_of
from orchestration.lib.workspace import Workspace
from schemas.contract import SPECS

LANDED_SOURCES = ("sales", "surveys")
MAX_DEPTH = 3

LANDED_RULES = {"SALES": "sales", "NEW_CUSTOMER": "sales", "SATISFACTION": "surveys"}
# How an adjustment names the lines behind it (int_prior_period_adjustments.sql).
CHANGED_LINES = re.compile(
    r"lines new or changed since (?P<period>\S+) v(?P<version>\d+): (?P<ids>[^()]*)\)\s*$"
)

DERIVED_FROM = {
    "SALES_CAP": ("SALES",),
    "QUALITY_GATE": ("SALES", "SATISFACTION"),
}


def trace_line(ws: Workspace, line_id: str, period: str, version: int | None = None) -> dict:
    """Trace one published ledger line (latest version of the period unless ``version``).

    Returns a dict (values are ``Decimal`` for points and amounts, text as landed for raw
    values)::

        period, version     the published version the line belongs to
        line                the ledger line, every published column by name
        line_matches_history  the same line in the warehouse's history (True/False, None if
                            the history has no such table)
        kind                "landed" (earned by a landed row) or "derived"
        landed              for a landed line: source, source_file, row_number, file_hash,
                            raw (the contract's columns as landed, from raw_<source>), raw_id,
                            run_id, ingested (the ingested_files row), file (path, exists,
                            sha256 now, matches), file_row (the row read from the landing
                            file now) and file_row_matches; None for a derived line
        derived_from        for a derived line: what it is computed from, in words
        inputs              for a derived line: the traces of the lines it is computed from
        late_rows           for a PRIOR_PERIOD_ADJUSTMENT: each line new, changed or gone in
                            the adjusted period since its version (line_id, status, points
                            published and now, delta, the landed row, quarantine rows of the key)
        facts               intermediate values of the recomputation (subtotal, cap, mean
                            score, team net amount, ...)
        recomputed_points   the line's points recomputed from the raw values and the rule
                            book (None when the rule is not one the audit recomputes)
        recomputed_matches  recomputed_points == the published points (None if not recomputed)
        problems            what did not check out on this line (inputs carry their own)
        ok                  (top level only) no problem anywhere in the trace

    Raises ``NothingPublished`` for an unpublished period/version, ``LineNotFound`` for an
    unknown line and ``WarehouseLocked`` while a close holds the warehouse.
    """
    with open_readers_copy(ws) as published:
        version = resolve_version(published, period, version)
        with open_warehouse(ws) as warehouse:
            tracer = _Tracer(ws, published, warehouse)
            line = tracer.ledger_line(period, version, line_id)
            if line is None:
                raise LineNotFound(
                    f"{period} v{version} has no ledger line {line_id!r} "
                    f"(see `jifen explain --rep REP --period {period}`)"
                )
            result = tracer.trace(line, depth=0)
    result = {"period": period, "version": version, **result}
    result["ok"] = not all_problems(result)
    return result


def all_problems(trace: dict) -> list[str]:
    """Every problem of a trace and of the traces of its inputs, line id first."""
    found = [f"{trace['line']['line_id']}: {problem}" for problem in trace["problems"]]
    for child in trace.get("inputs", []):
        found.extend(all_problems(child))
    for late in trace.get("late_rows", []):
        found.extend(f"{late['line_id']}: {problem}" for problem in late["problems"])
    return found


class _Tracer:
    def __init__(
        self,
        ws: Workspace,
        published: duckdb.DuckDBPyConnection,
        warehouse: duckdb.DuckDBPyConnection,
    ) -> None:
        self.ws = ws
        self.published = published
        self.warehouse = warehouse
        self.ledger_columns = columns_of(published, "points_ledger")
        self.history_columns = set(columns_of(warehouse, "points_ledger", "published"))
        self.files: dict[tuple[str, str], dict] = {}
        self.file_rows: dict[tuple[str, str], list[dict] | str] = {}
        self.rulebooks: dict[str, RuleBook] = {}

    # published lines ----------------------------------------------------------------------------

    def _select(self, where: str) -> str:
        columns = ", ".join(f'"{name}"' for name in self.ledger_columns)
        return f"select {columns} from points_ledger where {where}"

    def ledger_line(self, period: str, version: int, line_id: str) -> dict | None:
        rows = fetch_dicts(
            self.published,
            self._select("period = ? and version = ? and line_id = ?"),
            [period, version, line_id],
        )
        return rows[0] if rows else None

    def rep_lines(self, period: str, version: int, reps: list[str], rules: tuple[str, ...]):
        if not reps:
            return []
        rep_marks = ", ".join("?" for _ in reps)
        rule_marks = ", ".join("?" for _ in rules)
        return fetch_dicts(
            self.published,
            self._select(
                f"period = ? and version = ? and rep_id in ({rep_marks}) "
                f"and rule_id in ({rule_marks})"
            )
            + " order by rep_id, rule_id, line_id",
            [period, version, *reps, *rules],
        )

    def _matches_history(self, line: dict) -> bool | None:
        common = [name for name in self.ledger_columns if name in self.history_columns]
        if "line_id" not in common:
            return None
        columns = ", ".join(f'"{name}"' for name in common)
        rows = fetch_dicts(
            self.warehouse,
            f"select {columns} from published.points_ledger "
            "where period = ? and version = ? and line_id = ?",
            [line["period"], line["version"], line["line_id"]],
        )
        return len(rows) == 1 and rows[0] == {name: line[name] for name in common}

    def _rulebook(self, version: str | None) -> RuleBook | None:
        if not version:
            return None
        if version not in self.rulebooks:
            try:
                self.rulebooks[version] = RuleBook(version)
            except AuditError:
                return None
        return self.rulebooks[version]

    # the trace ----------------------------------------------------------------------------------

    def trace(self, line: dict, depth: int) -> dict:
        result: dict[str, Any] = {
            "line": line,
            "line_matches_history": self._matches_history(line),
            "kind": "derived",
            "landed": None,
            "derived_from": None,
            "inputs": [],
            "late_rows": [],
            "facts": {},
            "recomputed_points": None,
            "recomputed_matches": None,
            "problems": [],
        }
        problems = result["problems"]
        if result["line_matches_history"] is False:
            problems.append(
                "the readers' copy of this line differs from the warehouse's history "
                "(run `jifen verify-chain`)"
            )
        has_lineage = line.get("source_file") is not None
        if has_lineage:
            result["kind"] = "landed"
            result["landed"] = self._landed(line, problems)
        elif line.get("source") in LANDED_SOURCES:
            problems.append(f"a {line['source']} line without lineage (source_file is empty)")
        rule = line.get("rule_id")
        book = self._rulebook(line.get("rulebook_version"))
        if has_lineage:
            raw = result["landed"]["raw"]
            if raw is not None and book is not None:
                result["recomputed_points"] = _recompute_landed(rule, raw, book, result["facts"])
        if rule in DERIVED_FROM and not has_lineage:
            self._derived_rep_rules(line, result, book, depth)
        elif rule == "TEAM_BONUS" and not has_lineage:
            self._team_bonus(line, result, book, depth)
        elif line.get("adjusted_period"):
            self._adjustment(line, result, depth)
        elif not has_lineage:
            problems.append(f"the audit knows no inputs of a {rule} line without lineage")
        if result["recomputed_points"] is not None:
            result["recomputed_matches"] = result["recomputed_points"] == line["points"]
            if not result["recomputed_matches"]:
                problems.append(
                    f"recomputed {result['recomputed_points']} from the landed values and "
                    f"rule book {line.get('rulebook_version')}, published {line['points']}"
                )
        return result

    def _inputs(self, lines: list[dict], depth: int) -> list[dict]:
        if depth >= MAX_DEPTH:
            return []
        return [self.trace(line, depth + 1) for line in lines]

    def _derived_rep_rules(self, line: dict, result: dict, book: RuleBook | None, depth: int):
        rule, rep = line["rule_id"], line["rep_id"]
        rules = DERIVED_FROM[rule]
        result["derived_from"] = (
            f"the {' and '.join(rules)} lines of rep {rep} in {line['period']} v{line['version']}"
        )
        inputs = self._inputs(self.rep_lines(line["period"], line["version"], [rep], rules), depth)
        result["inputs"] = inputs
        facts = result["facts"]
        sales = sum(
            (i["line"]["points"] for i in inputs if i["line"]["rule_id"] == "SALES"),
            Decimal("0.00"),
        )
        facts["sales_subtotal"] = sales
        if book is None:
            return
        cap = book.decimal("sales_cap_points")
        facts["sales_cap_points"] = cap
        problems = result["problems"]
        if rule == "SALES_CAP":
            if sales <= cap:
                problems.append(f"SALES subtotal {sales} does not exceed the cap {cap}")
            result["recomputed_points"] = cap - sales
            return
        scores = []
        for item in inputs:
            if item["line"]["rule_id"] == "SATISFACTION":
                raw = (item["landed"] or {}).get("raw") or {}
                try:
                    scores.append(int(str(raw.get("score", "")).strip()))
                except ValueError:
                    problems.append(f"{item['line']['line_id']}: no landed score to recount")
        facts["survey_count"] = len(scores)
        if scores:
            facts["mean_score"] = round_half_away(Decimal(sum(scores)) / len(scores))
        minimum = int(book.parameters["gate_min_surveys"])
        below = book.decimal("gate_mean_score_below")
        if len(scores) < minimum:
            problems.append(f"only {len(scores)} surveys, the gate needs {minimum}")
        elif Decimal(sum(scores)) >= below * len(scores):
            problems.append(f"mean score {facts['mean_score']} is not below {below}")
        if sales <= 0:
            problems.append(f"SALES subtotal {sales} is not above 0")
        result["recomputed_points"] = -round_half_away(
            book.decimal("gate_factor") * min(sales, cap)
        )

    def _team_bonus(self, line: dict, result: dict, book: RuleBook | None, depth: int):
        team = line.get("source_id")
        period, version = line["period"], line["version"]
        members = [
            row[0]
            for row in self.published.execute(
                "select rep_id from rep_period_points where period = ? and version = ? "
                "and team_id = ? order by rep_id",
                [period, version, team],
            ).fetchall()
        ]
        result["derived_from"] = (
            f"the SALES lines of team {team}'s reps in {period} v{version} "
            f"({', '.join(members) or 'none'})"
        )
        inputs = self._inputs(self.rep_lines(period, version, members, ("SALES",)), depth)
        result["inputs"] = inputs
        facts, problems = result["facts"], result["problems"]
        net = Decimal("0.00")
        for item in inputs:
            raw = (item["landed"] or {}).get("raw")
            if raw is None:
                problems.append(f"{item['line']['line_id']}: no landed amount to add up")
                continue
            sign = -1 if raw.get("txn_type") == "return" else 1
            net += sign * Decimal(raw["amount"].strip())
        facts["team_id"] = team
        facts["team_members"] = members
        facts["team_net_amount"] = net
        sold = any(
            i["line"]["rep_id"] == line["rep_id"]
            and ((i["landed"] or {}).get("raw") or {}).get("txn_type") == "sale"
            for i in inputs
        )
        facts["rep_has_a_sale"] = sold
        if not sold:
            problems.append(f"rep {line['rep_id']} has no sale in {period}")
        if book is None:
            return
        target = book.team_target(team)
        facts["team_target"] = target
        if target is None or net < target:
            problems.append(f"team net amount {net} does not reach the target {target}")
        result["recomputed_points"] = book.decimal("team_bonus_points")

    def _adjustment(self, line: dict, result: dict, depth: int) -> None:
        """A prior-period adjustment: the published lines of the period and rule it adjusts
        (what was booked), and the lines new, changed or gone since, down to their rows."""
        adjusted, rule, rep = line["adjusted_period"], line.get("adjusted_rule_id"), line["rep_id"]
        found = CHANGED_LINES.search(line.get("explanation") or "")
        if found and found["period"] == adjusted:
            baseline = int(found["version"])
        else:
            latest = self.published.execute(
                "select max(version) from publications where period = ?", [adjusted]
            ).fetchone()
            baseline = latest[0] if latest else None
        if baseline is None:
            result["problems"].append(f"adjusts {adjusted}, which is not published")
            return
        rules = (rule,) if rule else ()
        where = "period = ? and version = ? and rep_id = ?" + (" and rule_id = ?" if rule else "")
        booked = fetch_dicts(
            self.published,
            self._select(where) + " order by rule_id, line_id",
            [adjusted, baseline, rep, *rules],
        )
        result["derived_from"] = (
            f"{adjusted} recomputed with every row known now, minus what was booked for it: "
            f"the {rule or 'all'} lines of rep {rep} in {adjusted} v{baseline} and the "
            "adjustments booked for them since"
        )
        result["inputs"] = self._inputs(booked, depth)
        earlier = self._earlier_adjustments(line, adjusted, rule)
        facts = result["facts"]
        facts["adjusted_period"], facts["adjusted_version"] = adjusted, baseline
        facts["booked_in_version"] = sum((b["points"] for b in booked), Decimal("0.00"))
        facts["booked_by_earlier_adjustments"] = sum(
            (e["points"] for e in earlier), Decimal("0.00")
        )
        facts["earlier_adjustments"] = [e["line_id"] for e in earlier]
        ids = []
        if found and found["ids"].strip() != "none":
            ids = [text.strip() for text in found["ids"].split(",") if text.strip()]
        by_id = {b["line_id"]: b for b in booked}
        book = self._rulebook(line.get("rulebook_version"))
        result["late_rows"] = [self._late_line(line_id, by_id, book) for line_id in ids]
        if rule == "TEAM_BONUS":
            facts["roster_changes"] = self._roster_changes(adjusted, baseline)
        deltas = [entry["delta"] for entry in result["late_rows"]]
        if rule in ("SALES", "SATISFACTION") and found and None not in deltas:
            result["recomputed_points"] = (
                sum(deltas, Decimal("0.00")) - facts["booked_by_earlier_adjustments"]
            )

    def _earlier_adjustments(self, line: dict, adjusted: str, rule: str | None) -> list[dict]:
        """Adjustments of the same period, rep and rule booked by the latest versions of the
        other periods."""
        if "adjusted_rule_id" not in self.ledger_columns:
            return []
        return fetch_dicts(
            self.published,
            self._select(
                "rule_id = ? and adjusted_period = ? and adjusted_rule_id is not distinct from ? "
                "and rep_id = ? and period <> ? and version = "
                "(select max(p.version) from publications p where p.period = points_ledger.period)"
            )
            + " order by period, line_id",
            [line["rule_id"], adjusted, rule, line["rep_id"], line["period"]],
        )

    def _late_line(self, line_id: str, booked: dict[str, dict], book: RuleBook | None) -> dict:
        """One line named by an adjustment: new, changed or gone since the adjusted version."""
        rule, _, key = line_id.partition(":")
        old = booked.get(line_id)
        entry: dict[str, Any] = {
            "line_id": line_id,
            "status": "derived",
            "published_points": old["points"] if old else None,
            "points_now": None,
            "delta": None,
            "landed": None,
            "quarantined": [],
            "problems": [],
        }
        source = LANDED_RULES.get(rule)
        if source is None:
            return entry  # a derived line (cap, gate, bonus): no row of its own
        spec = SPECS[source]
        loaded = fetch_dicts(
            self.warehouse,
            f"select r.source_file, r.row_number, r.file_hash from raw_{source} r "
            "join validation_status s on s.source = ? and s.raw_id = r.raw_id "
            f"where s.status = 'loaded' and trim(r.{spec.key}) = ? order by r.raw_id limit 1",
            [source, key],
        )
        if loaded:
            row = loaded[0]
            pseudo = {
                "source": source,
                "source_file": row["source_file"],
                "source_row_number": row["row_number"],
                "source_file_hash": row["file_hash"],
                "source_id": key,
            }
            entry["landed"] = self._landed(pseudo, entry["problems"])
            entry["status"] = "changed" if old else "new"
            raw = entry["landed"]["raw"]
            if raw is not None and book is not None and rule != "NEW_CUSTOMER":
                entry["points_now"] = _recompute_landed(rule, raw, book, {})
            if entry["points_now"] is not None:
                entry["delta"] = entry["points_now"] - (old["points"] if old else 0)
        else:
            entry["status"] = "gone" if old else "not found"
            entry["delta"] = -old["points"] if old else None
            if old is None:
                entry["problems"].append(f"{line_id} is neither booked nor loaded now")
        entry["quarantined"] = fetch_dicts(
            self.warehouse,
            "select source_file, row_number, reason, detail from quarantine "
            f"where source = ? and trim(json_extract_string(raw, '$.{spec.key}')) = ? "
            "order by source_file, row_number",
            [source, key],
        )
        return entry

    def _roster_changes(self, period: str, version: int) -> list[dict]:
        """Reps whose team in the published version differs from the roster loaded now."""
        if not columns_of(self.warehouse, "validated_reps"):
            return []
        then = dict(
            self.published.execute(
                "select rep_id, team_id from rep_period_points where period = ? and version = ?",
                [period, version],
            ).fetchall()
        )
        changes = []
        for rep, team, name, number in self.warehouse.execute(
            "select rep_id, team_id, source_file, row_number from validated_reps order by rep_id"
        ).fetchall():
            if rep in then and then[rep] != team:
                changes.append(
                    {
                        "rep_id": rep,
                        "team_then": then[rep],
                        "team_now": team,
                        "roster_file": name,
                        "roster_row": number,
                    }
                )
        return changes

    # landed rows --------------------------------------------------------------------------------

    def _landed(self, line: dict, problems: list[str]) -> dict:
        source = line["source"]
        name, number, digest = (
            line["source_file"],
            line["source_row_number"],
            line["source_file_hash"],
        )
        landed: dict[str, Any] = {
            "source": source,
            "source_file": name,
            "row_number": number,
            "file_hash": digest,
            "raw": None,
            "raw_id": None,
            "run_id": None,
            "ingested": None,
            "file": None,
            "file_row": None,
            "file_row_matches": None,
        }
        spec = SPECS.get(source)
        if spec is None:
            problems.append(f"unknown source {source!r}: no raw table to look in")
            return landed
        columns = ", ".join(spec.columns)
        rows = fetch_dicts(
            self.warehouse,
            f"select raw_id, run_id, {columns} from raw_{source} "
            "where source_file = ? and row_number = ? and file_hash = ?",
            [name, number, digest],
        )
        if len(rows) != 1:
            problems.append(
                f"row {number} of {source}/{name} (sha256 {digest[:12]}…) is "
                f"{'not' if not rows else 'more than once'} in the warehouse's raw_{source}"
            )
        else:
            row = rows[0]
            landed["raw_id"], landed["run_id"] = row.pop("raw_id"), row.pop("run_id")
            landed["raw"] = row
            key = (row.get(spec.key) or "").strip()
            if line.get("source_id") is not None and key != line["source_id"]:
                problems.append(
                    f"the landed row's {spec.key} is {key!r}, not the line's source id "
                    f"{line['source_id']!r}"
                )
        ingested = fetch_dicts(
            self.warehouse,
            "select file_format, row_count, byte_size, ingested_at, run_id from ingested_files "
            "where source = ? and source_file = ? and file_hash = ?",
            [source, name, digest],
        )
        landed["ingested"] = ingested[0] if ingested else None
        if not ingested:
            problems.append(f"{source}/{name} is not in ingested_files")
        landed["file"] = self._file(source, name, digest, problems)
        if landed["file"]["exists"]:
            file_row = self._file_row(source, name, number, problems)
            landed["file_row"] = file_row
            if file_row is not None and landed["raw"] is not None:
                landed["file_row_matches"] = file_row == landed["raw"]
                if not landed["file_row_matches"]:
                    problems.append(
                        f"row {number} of the landing file {source}/{name} now reads "
                        f"{file_row}, not the values ingested {landed['raw']}"
                    )
        return landed

    def _file(self, source: str, name: str, digest: str, problems: list[str]) -> dict:
        key = (source, name)
        if key not in self.files:
            path = self.ws.landing_dir(source) / name
            exists = path.is_file()
            now = sha256_of(path) if exists else None
            self.files[key] = {
                "path": str(path),
                "exists": exists,
                "sha256": now,
                "matches": now == digest,
            }
        check = self.files[key]
        if not check["exists"]:
            problems.append(f"the landing file {check['path']} no longer exists")
        elif not check["matches"]:
            problems.append(
                f"the landing file {check['path']} changed after it was ingested "
                f"(sha256 now {check['sha256'][:12]}…, at ingestion {digest[:12]}…)"
            )
        return check

    def _file_row(self, source: str, name: str, number: int, problems: list[str]) -> dict | None:
        key = (source, name)
        if key not in self.file_rows:
            path = Path(self.files[key]["path"])
            try:
                table = read_landing_file(path, SPECS[source])
                self.file_rows[key] = table.select(list(SPECS[source].columns)).to_pylist()
            except FileRejected as rejected:
                self.file_rows[key] = rejected.problem
        rows = self.file_rows[key]
        if isinstance(rows, str):
            problems.append(f"the landing file {source}/{name} cannot be read now: {rows}")
            return None
        if not 1 <= number <= len(rows):
            problems.append(f"the landing file {source}/{name} has no row {number} now")
            return None
        return rows[number - 1]


def _recompute_landed(rule: str, raw: dict, book: RuleBook, facts: dict) -> Decimal | None:
    """A landed line's points from its raw values, or None for a rule not recomputed here."""
    try:
        if rule == "SALES":
            amount = Decimal(raw["amount"].strip())
            rate = book.decimal("sales_rate")
            sign = -1 if raw["txn_type"].strip() == "return" else 1
            facts.update(amount=amount, sales_rate=rate, txn_type=raw["txn_type"].strip())
            return sign * round_half_away(amount * rate)
        if rule == "NEW_CUSTOMER":
            return book.decimal("new_customer_points")
        if rule == "SATISFACTION":
            score = int(raw["score"].strip())
            facts["score"] = score
            return book.satisfaction.get(score)
    except (ArithmeticError, KeyError, ValueError, AttributeError):
        return None
    return None
