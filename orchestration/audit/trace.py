"""Walk one published ledger line back to the values as landed.

A line earned by a landed row (``source`` ``sales``/``surveys``/``adjustments``) carries its
lineage: the landing file, the row number in it and the file's SHA-256 at ingestion. The trace
fetches that row from the warehouse's ``raw_<source>`` (every value as text, exactly as read),
re-reads the row from the landing file if it is still there, and recomputes the line's points
from the raw values under the line's rule book, by the rule's *kind* (amount_rate, spiff,
first_sale, score_points; a MANUAL_ADJUSTMENT is its landed points). A derived line (cap, gate,
team bonus, prior-period adjustment) carries no lineage: the trace returns the lines it is
computed from, each traced the same way. The rule books are the workspace's seeds.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from orchestration.audit._common import (
    MANUAL_ADJUSTMENT,
    PRIOR_PERIOD_ADJUSTMENT,
    ROW_KINDS,
    AuditError,
    LineNotFound,
    Rule,
    RuleBook,
    columns_of,
    fetch_dicts,
    open_readers_copy,
    open_warehouse,
    resolve_version,
    round_half_away,
    rulebook_calendar,
    seeds_dir,
    version_on,
)
from orchestration.ingest.reader import FileRejected, read_landing_file, sha256_of
from orchestration.lib.workspace import Workspace
from schemas.contract import SPECS

LANDED_SOURCES = ("sales", "surveys", "adjustments")
MAX_DEPTH = 3
MANUAL = "manual_adjustment"  # the kind the trace gives MANUAL_ADJUSTMENT lines
# Kinds whose late rows an adjustment recomputes line by line (a first sale depends on every
# other sale of the customer: its late lines are shown, not recomputed).
RECOMPUTED_LATE = ("amount_rate", "spiff", "score_points", MANUAL)
SALE_KINDS = tuple(kind for kind, source in ROW_KINDS.items() if source == "sales")
# How an adjustment names the lines behind it (int_prior_period_adjustments.sql).
CHANGED_LINES = re.compile(
    r"lines new or changed since (?P<period>\S+) v(?P<version>\d+): (?P<ids>[^()]*)\)\s*$"
)


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
        self.rulebooks: dict[str, RuleBook | None] = {}
        self.calendar = rulebook_calendar(ws)
        self.reps: dict[str, tuple[str | None, str | None] | None] = {}

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
        if not reps or not rules:
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

    # rule books ---------------------------------------------------------------------------------

    def _rulebook(self, version: str | None) -> RuleBook | None:
        if not version:
            return None
        if version not in self.rulebooks:
            try:
                self.rulebooks[version] = RuleBook(version, self.ws)
            except AuditError:
                self.rulebooks[version] = None
        return self.rulebooks[version]

    def _kind(self, rule_id: str | None, version: str | None) -> str | None:
        """The kind of a rule in a version; any version's when it is not in that one."""
        if rule_id == MANUAL_ADJUSTMENT:
            return MANUAL
        if rule_id == PRIOR_PERIOD_ADJUSTMENT:
            return PRIOR_PERIOD_ADJUSTMENT
        for name in [version] + [v for _, v in reversed(self.calendar) if v != version]:
            book = self._rulebook(name)
            rule = book.rule(rule_id) if book else None
            if rule is not None:
                return rule.kind
        return None

    def _rules_of_kind(self, period: str, version: int, book: RuleBook, kind: str) -> tuple:
        """Rule ids of a kind in the period's book and among the version's lines (row-level
        lines of a month may come from more than one rule book version)."""
        found = {rule.rule_id for rule in book.of_kind(kind)}
        for rule_id, rulebook_version in self.published.execute(
            "select distinct rule_id, rulebook_version from points_ledger "
            "where period = ? and version = ?",
            [period, version],
        ).fetchall():
            if self._kind(rule_id, rulebook_version) == kind:
                found.add(rule_id)
        return tuple(sorted(found))

    def _rep(self, rep_id: str | None) -> tuple[str | None, str | None] | None:
        """(role, team) of a rep in the roster loaded now (eligibility uses the current one)."""
        if rep_id is None:
            return None
        if rep_id not in self.reps:
            found = self.warehouse.execute(
                "select role, team_id from validated_reps where rep_id = ?", [rep_id]
            ).fetchone()
            self.reps[rep_id] = (found[0], found[1]) if found else None
        return self.reps[rep_id]

    def _eligible(self, rule: Rule, rep_id: str, facts: dict, problems: list[str]) -> None:
        if not rule.roles and not rule.teams:
            return
        rep = self._rep(rep_id)
        facts["eligibility"] = {"rule_id": rule.rule_id, "rule": rule.eligibility}
        if rep is None:
            problems.append(f"rep {rep_id} is not in the loaded reps: {rule.rule_id} eligibility")
            return
        facts["eligibility"].update(rep_role=rep[0], rep_team=rep[1])
        if not rule.applies_to(*rep):
            problems.append(
                f"rep {rep_id} (role {rep[0]}, team {rep[1]}) is not eligible for "
                f"{rule.rule_id} ({rule.eligibility})"
            )

    # the trace ----------------------------------------------------------------------------------

    def trace(self, line: dict, depth: int) -> dict:
        rule, version = line.get("rule_id"), line.get("rulebook_version")
        book = self._rulebook(version)
        kind = self._kind(rule, version)
        result: dict[str, Any] = {
            "line": line,
            "line_matches_history": self._matches_history(line),
            "kind": "derived",
            "rule_kind": kind,
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
        if book is None and kind not in (MANUAL, PRIOR_PERIOD_ADJUSTMENT):
            problems.append(
                f"rule book {version} is not in the workspace's seeds ({seeds_dir(self.ws)})"
            )
        elif kind is None:
            problems.append(f"rule {rule} is in no rule book of the workspace's seeds")
        has_lineage = line.get("source_file") is not None
        if has_lineage:
            result["kind"] = "landed"
            result["landed"] = self._landed(line, problems)
            raw = result["landed"]["raw"]
            if raw is not None and (book is not None or kind == MANUAL):
                result["recomputed_points"] = self._recompute_row(
                    rule, kind, raw, book, line, result["facts"], problems
                )
        elif line.get("source") in LANDED_SOURCES:
            problems.append(f"a {line['source']} line without lineage (source_file is empty)")
        if has_lineage:
            pass  # recomputed above from its own row
        elif line.get("adjusted_period") or kind == PRIOR_PERIOD_ADJUSTMENT:
            self._adjustment(line, result, depth)
        elif book is not None and kind == "cap":
            self._cap(line, result, book, depth)
        elif book is not None and kind == "gate":
            self._gate(line, result, book, depth)
        elif book is not None and kind == "team_bonus":
            self._team_bonus(line, result, book, depth)
        else:
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

    # row-level kinds ----------------------------------------------------------------------------

    def _original_sale(self, order_id: str | None) -> dict | None:
        if not order_id:
            return None
        rows = fetch_dicts(
            self.warehouse,
            "select txn_id, rep_id, customer_id, cast(txn_date as varchar) as txn_date "
            "from validated_sales where txn_type = 'sale' and order_id = ? "
            "order by txn_date, txn_id limit 1",
            [order_id.strip()],
        )
        return rows[0] if rows else None

    def _sale_facts(self, raw: dict, facts: dict, problems: list[str]) -> dict | None:
        """A sale or return as dbt scores it: the rep charged, the customer and the date it is
        scored on (a return: its original sale's)."""
        txn_type = raw["txn_type"].strip()
        amount = Decimal(raw["amount"].strip())
        sale = {
            "txn_type": txn_type,
            "amount": amount,
            "rep_id": raw["rep_id"].strip(),
            "customer_id": raw["customer_id"].strip(),
            "scored_on": raw["txn_date"].strip(),
        }
        if txn_type == "return":
            original = self._original_sale(raw.get("order_id"))
            if original is None:
                problems.append(f"return of order {raw.get('order_id')}: no loaded sale now")
                return None
            sale.update(
                rep_id=original["rep_id"],
                customer_id=original["customer_id"],
                scored_on=original["txn_date"],
                original_sale=original["txn_id"],
            )
        facts.update(
            txn_type=txn_type,
            amount=amount,
            scored_on=sale["scored_on"],
            charged_rep=sale["rep_id"],
        )
        if "original_sale" in sale:
            facts["original_sale"] = sale["original_sale"]
        return sale

    def _segment(self, customer_id: str) -> str | None:
        found = self.warehouse.execute(
            "select segment from validated_customers where customer_id = ?", [customer_id]
        ).fetchone()
        return found[0] if found else None

    def _row_version(self, kind: str | None, raw: dict) -> str | None:
        """The rule book version in effect on the date a landed row is scored on."""
        try:
            if kind in SALE_KINDS:
                sale = self._sale_facts(raw, {}, [])
                return version_on(self.calendar, sale["scored_on"]) if sale else None
            if kind == "score_points":
                return version_on(self.calendar, raw["survey_date"])
            if kind == MANUAL:
                return version_on(self.calendar, f"{raw['period'].strip()}-01")
        except (ArithmeticError, KeyError, AttributeError):
            return None
        return None

    def _recompute_row(
        self,
        rule_id: str,
        kind: str | None,
        raw: dict,
        book: RuleBook | None,
        line: dict,
        facts: dict,
        problems: list[str],
    ) -> Decimal | None:
        """A landed line's points from its raw values under its rule's kind, or None."""
        try:
            if kind == MANUAL:
                facts.update(
                    adjustment_period=raw["period"].strip(),
                    reason=raw["reason"].strip(),
                    approved_by=raw["approved_by"].strip(),
                )
                if line.get("period") and raw["period"].strip() != line["period"]:
                    problems.append(
                        f"the adjustment is for {raw['period'].strip()}, not {line['period']}"
                    )
                return round_half_away(Decimal(raw["points"].strip()))
            rule = book.rule(rule_id) if book else None
            if rule is None:
                return None
            facts["rule"] = {"kind": rule.kind, **rule.values}
            rep = line.get("rep_id")
            if kind in SALE_KINDS:
                sale = self._sale_facts(raw, facts, problems)
                if sale is None:
                    return None
                if rep is not None and sale["rep_id"] != rep:
                    problems.append(f"the row is charged to rep {sale['rep_id']}, not {rep}")
                if line.get("rulebook_version") is not None:
                    in_effect = version_on(self.calendar, sale["scored_on"])
                    if in_effect != line["rulebook_version"]:
                        problems.append(
                            f"scored on {sale['scored_on']}, when rule book {in_effect} was in "
                            f"effect, not {line['rulebook_version']}"
                        )
                self._eligible(rule, sale["rep_id"], facts, problems)
                sign = -1 if sale["txn_type"] == "return" else 1
                if kind == "amount_rate":
                    facts["rate"] = rule.rate
                    return sign * round_half_away(sale["amount"] * rule.rate)
                if kind == "first_sale":
                    if sale["txn_type"] != "sale":
                        problems.append("a first_sale line on a return")
                    first = self.warehouse.execute(
                        "select txn_id from validated_sales where txn_type = 'sale' and "
                        "customer_id = ? order by txn_date, txn_id limit 1",
                        [sale["customer_id"]],
                    ).fetchone()
                    facts["customer_first_sale_now"] = first[0] if first else None
                    return rule.points
                return self._spiff(rule, book, sale, sign, facts, problems)
            if kind == "score_points":
                score = int(raw["score"].strip())
                facts["score"] = score
                if rep is not None and raw["rep_id"].strip() != rep:
                    problems.append(f"the survey is of rep {raw['rep_id'].strip()}, not {rep}")
                self._eligible(rule, raw["rep_id"].strip(), facts, problems)
                return book.score_points.get(rule_id, {}).get(score)
        except (ArithmeticError, KeyError, ValueError, AttributeError, TypeError):
            return None
        return None

    def _spiff(
        self, rule: Rule, book: RuleBook, sale: dict, sign: int, facts: dict, problems: list[str]
    ) -> Decimal | None:
        base = book.rule(rule.base_rule_id)
        day = sale["scored_on"]
        facts.update(
            window=f"{rule.window_start}..{rule.window_end}", base_rule_id=rule.base_rule_id
        )
        if not (rule.window_start or "") <= day <= (rule.window_end or "9999-12-31"):
            problems.append(f"scored on {day}, outside the window {facts['window']}")
        if rule.segment:
            segment = self._segment(sale["customer_id"])
            facts.update(customer_id=sale["customer_id"], segment=segment)
            if segment != rule.segment:
                problems.append(f"customer {sale['customer_id']} is {segment}, not {rule.segment}")
        if base is None or base.kind != "amount_rate":
            problems.append(f"the base rule {rule.base_rule_id} is not an amount_rate rule")
            return None
        self._eligible(base, sale["rep_id"], facts, problems)
        if rule.multiplier is not None:
            base_points = round_half_away(sale["amount"] * base.rate)
            facts.update(base_rate=base.rate, base_points=base_points, multiplier=rule.multiplier)
            return sign * round_half_away(base_points * (rule.multiplier - 1))
        facts["rate"] = rule.rate
        return sign * round_half_away(sale["amount"] * rule.rate)

    # derived kinds ------------------------------------------------------------------------------

    def _family_subtotal(self, line: dict, family: tuple[str, ...]) -> Decimal:
        return sum(
            (
                row["points"]
                for row in self.rep_lines(line["period"], line["version"], [line["rep_id"]], family)
            ),
            Decimal("0.00"),
        )

    def _cap(self, line: dict, result: dict, book: RuleBook, depth: int) -> None:
        rule, rep = book.rule(line["rule_id"]), line["rep_id"]
        family = rule.family
        result["derived_from"] = (
            f"the {' and '.join(family)} lines of rep {rep} in {line['period']} v{line['version']}"
        )
        inputs = self._inputs(self.rep_lines(line["period"], line["version"], [rep], family), depth)
        result["inputs"] = inputs
        facts, problems = result["facts"], result["problems"]
        subtotal = sum((i["line"]["points"] for i in inputs), Decimal("0.00"))
        facts.update(family=family, family_subtotal=subtotal, limit_points=rule.limit_points)
        self._eligible(rule, rep, facts, problems)
        if subtotal <= rule.limit_points:
            problems.append(
                f"{'+'.join(family)} subtotal {subtotal} does not exceed the cap "
                f"{rule.limit_points}"
            )
        result["recomputed_points"] = rule.limit_points - subtotal

    def _gate(self, line: dict, result: dict, book: RuleBook, depth: int) -> None:
        rule, rep = book.rule(line["rule_id"]), line["rep_id"]
        period, version = line["period"], line["version"]
        family = rule.family
        scored = tuple(
            r for r in self._rules_of_kind(period, version, book, "score_points") if r not in family
        )
        rules = (*family, *scored)
        result["derived_from"] = (
            f"the {' and '.join(rules)} lines of rep {rep} in {period} v{version}"
        )
        inputs = self._inputs(self.rep_lines(period, version, [rep], rules), depth)
        result["inputs"] = inputs
        facts, problems = result["facts"], result["problems"]
        subtotal = sum(
            (i["line"]["points"] for i in inputs if i["line"]["rule_id"] in family),
            Decimal("0.00"),
        )
        facts.update(family=family, family_subtotal=subtotal)
        self._eligible(rule, rep, facts, problems)
        scores: dict[str, int] = {}  # one score per survey, whatever rules scored it
        for item in inputs:
            if item["line"]["rule_id"] not in scored:
                continue
            raw = (item["landed"] or {}).get("raw") or {}
            try:
                scores[item["line"]["source_id"]] = int(str(raw.get("score", "")).strip())
            except ValueError:
                problems.append(f"{item['line']['line_id']}: no landed score to recount")
        count, total = len(scores), sum(scores.values())
        facts["survey_count"] = count
        if scores:
            facts["mean_score"] = round_half_away(Decimal(total) / count)
        if count < rule.min_surveys:
            problems.append(f"only {count} surveys, the gate needs {rule.min_surveys}")
        elif Decimal(total) >= rule.mean_score_below * count:
            problems.append(
                f"mean score {facts['mean_score']} is not below {rule.mean_score_below}"
            )
        if subtotal <= 0:
            problems.append(f"{'+'.join(family)} subtotal {subtotal} is not above 0")
        capped = subtotal
        cap = book.rule(rule.cap_rule_id) if rule.cap_rule_id else None
        if cap is not None and cap.kind == "cap":
            capped_family = (
                subtotal if cap.family == family else self._family_subtotal(line, cap.family)
            )
            rep_info = self._rep(rep)
            applies = rep_info is None or cap.applies_to(*rep_info)
            if applies and capped_family > cap.limit_points:
                capped = subtotal + cap.limit_points - capped_family
            facts.update(cap_rule_id=cap.rule_id, limit_points=cap.limit_points)
        elif rule.cap_rule_id:
            problems.append(
                f"the gate's cap {rule.cap_rule_id} is not a cap of rule book {book.version}"
            )
        facts["capped_subtotal"] = capped
        facts["factor"] = rule.factor
        result["recomputed_points"] = -round_half_away(rule.factor * capped)

    def _team_bonus(self, line: dict, result: dict, book: RuleBook, depth: int) -> None:
        rule = book.rule(line["rule_id"])
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
        sales_rules = self._rules_of_kind(period, version, book, "amount_rate")
        result["derived_from"] = (
            f"the {' and '.join(sales_rules)} lines of team {team}'s reps in {period} "
            f"v{version} ({', '.join(members) or 'none'})"
        )
        inputs = self._inputs(self.rep_lines(period, version, members, sales_rules), depth)
        result["inputs"] = inputs
        facts, problems = result["facts"], result["problems"]
        net = Decimal("0.00")
        counted: set[str] = set()  # a row with lines of two amount_rate rules counts once
        for item in inputs:
            txn = item["line"]["source_id"]
            if txn in counted:
                continue
            counted.add(txn)
            raw = (item["landed"] or {}).get("raw")
            if raw is None:
                problems.append(f"{item['line']['line_id']}: no landed amount to add up")
                continue
            sign = -1 if raw.get("txn_type", "").strip() == "return" else 1
            net += sign * Decimal(raw["amount"].strip())
        facts["team_id"] = team
        facts["team_members"] = members
        facts["team_net_amount"] = net
        sold = any(
            i["line"]["rep_id"] == line["rep_id"]
            and ((i["landed"] or {}).get("raw") or {}).get("txn_type", "").strip() == "sale"
            for i in inputs
        )
        facts["rep_has_a_sale"] = sold
        if not sold:
            problems.append(f"rep {line['rep_id']} has no sale in {period}")
        self._eligible(rule, line["rep_id"], facts, problems)
        target = book.team_target(rule.rule_id, team)
        facts["team_target"] = target
        if target is None or net < target:
            problems.append(f"team net amount {net} does not reach the target {target}")
        result["recomputed_points"] = rule.points

    # prior-period adjustments -------------------------------------------------------------------

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
        kind = self._kind(rule, line.get("rulebook_version"))
        facts["adjusted_rule_kind"] = kind
        result["late_rows"] = [self._late_line(line_id, by_id, rep) for line_id in ids]
        if kind == "team_bonus":
            facts["roster_changes"] = self._roster_changes(adjusted, baseline)
        deltas = [entry["delta"] for entry in result["late_rows"]]
        if kind in RECOMPUTED_LATE and found and None not in deltas:
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

    def _late_line(self, line_id: str, booked: dict[str, dict], rep: str) -> dict:
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
        kind = self._kind(rule, old["rulebook_version"] if old else None)
        source = "adjustments" if kind == MANUAL else ROW_KINDS.get(kind or "")
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
            if raw is not None and kind in RECOMPUTED_LATE:
                version = self._row_version(kind, raw)
                entry["rulebook_version"] = version
                entry["points_now"] = self._recompute_row(
                    rule,
                    kind,
                    raw,
                    self._rulebook(version),
                    {"rep_id": rep},
                    {},
                    entry["problems"],
                )
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
