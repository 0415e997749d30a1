"""The README of an audit pack: what is in it and how to check the numbers by hand."""

from __future__ import annotations

from orchestration.audit import loyalty_pack, signoff_pack
from orchestration.reports.rulebook import KIND_ORDER
from orchestration.rulebooks.model import Rule, RuleBook
from schemas.published import CHAINED_FIELDS, VERSIONED

COUNT_FIELDS = ("rows_read", "rows_loaded", "rows_deduplicated", "rows_quarantined")
# Seed columns that name a rule rather than parameterise it.
NOT_PARAMETERS = ("rulebook_version", "rule_id", "kind", "description")

SeedRows = dict[str, tuple[list[str], list[list[str]]]]  # seed name -> (header, rows) as text


def _mark(passed: bool | None) -> str:
    return {True: "yes", False: "**NO**", None: "not checked"}[passed]


def _seed_values(seeds: SeedRows, version: str, rule_id: str) -> dict[str, str]:
    """The rule's row of the pack's `rulebook/rules.csv`: every parameter as written there."""
    header, rows = seeds.get("rules", ([], []))
    for row in rows:
        values = dict(zip(header, row, strict=False))
        if (values.get("rulebook_version"), values.get("rule_id")) == (version, rule_id):
            return {k: v for k, v in values.items() if k not in NOT_PARAMETERS and v}
    return {}


def _eligibility(rule: Rule) -> str:
    parts = []
    if rule.roles:
        parts.append("roles " + ", ".join(rule.roles))
    if rule.teams:
        parts.append("teams " + ", ".join(rule.teams))
    return "; ".join(parts) or "every rep"


def _rule_line(book: RuleBook, rule: Rule, seeds: SeedRows) -> str:
    values = _seed_values(seeds, book.version, rule.id)
    parameters = [f"`{key}` {value}" for key, value in values.items()]
    if rule.kind == "score_points":
        table = rule.points_by_score
        parameters.append(
            "points by score "
            + (", ".join(f"{score}: {points}" for score, points in sorted(table.items())) or "none")
        )
    if rule.kind == "team_bonus":
        targets = rule.targets
        parameters.append(
            "team targets "
            + (", ".join(f"{team}: {target}" for team, target in sorted(targets.items())) or "none")
        )
    text = "; ".join(parameters) or "no parameters"
    described = f" — {rule.description}" if rule.description else ""
    return f"- `{rule.id}` ({rule.kind}): {text}; eligible: {_eligibility(rule)}{described}\n"


def _parameters(books: dict[str, RuleBook], sources: dict[str, dict], seeds: SeedRows) -> str:
    if not books:
        return "(the rule book rows were not found in the workspace's seeds)\n"
    out = []
    for name, book in books.items():
        tiers = ", ".join(f"{tier.name} from {tier.start}" for tier in book.tiers)
        source = sources.get(name)
        origin = f"; compiled from `{source['pack_file']}`" if source else ""
        ordered = sorted(book.rules, key=lambda r: (_kind_rank(r.kind), r.id))
        out.append(
            f"Rule book `{name}` (in effect from {book.effective_from}, currency "
            f"{book.currency}; rows in `rulebook/*.csv`{origin}):\n\n"
            + "".join(_rule_line(book, rule, seeds) for rule in ordered)
            + f"- tiers: {tiers or 'none'}\n"
        )
    return "\n".join(out)


def _kind_rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


def _kinds(books: dict[str, RuleBook]) -> set[str]:
    return {rule.kind for book in books.values() for rule in book.rules}


def _rules_of(books: dict[str, RuleBook], kind: str) -> str:
    ids = sorted({r.id for b in books.values() for r in b.rules if r.kind == kind})
    return ", ".join(f"`{rule_id}`" for rule_id in ids)


STEPS = {
    "amount_rate": """\
**amount_rate lines** ({rules}; `source` = `sales`): open `landing/sales/<source_file>` and
take data row `source_row_number` (row 1 is the first row after the CSV header; in a Parquet
file, the first row). Check the file's SHA-256 is `source_file_hash` and the row's `txn_id` is
the line's `source_id`. Compute `round_half_away_from_zero(amount x rate, 2)` with the rule's
`rate`; the line's `points` is that for a `sale` and minus that for a `return`. A return is
charged to the rep of the original sale (the explanation names it), so its row may name another
rep, and it is scored under the rule book in effect on the original sale's date.""",
    "spiff": """\
**spiff lines** ({rules}; `source` = `sales`): the landed sale row (as above), scored on the
sale's date (a return: its original sale's), which must lie in `window_start`..`window_end`;
with a `segment`, the customer (of the original sale) must be of that segment. With a
`multiplier`: `round_half_away_from_zero(B x (multiplier - 1), 2)` where
B = `round_half_away_from_zero(amount x rate of base_rule_id, 2)`; else
`round_half_away_from_zero(amount x rate, 2)`. Minus for a return.""",
    "first_sale": """\
**first_sale lines** ({rules}): the landed sale row (as above) is the customer's first loaded
sale (earliest `txn_date`, then smallest `txn_id`); the line is the rule's `points`.""",
    "score_points": """\
**score_points lines** ({rules}; `source` = `surveys`): the row of
`landing/surveys/<source_file>`; the line is the `points` of its `score` for the rule in
`rulebook/score_points.csv`.""",
    "cap": """\
**cap lines** ({rules}; derived, no landing file): S = the sum of the rep's lines of the rules
in the cap's `family` ('|'-separated). When S > `limit_points`, one line `limit_points - S`.""",
    "gate": """\
**gate lines** ({rules}; derived): with the rep's surveys of the period (one score_points line
per survey), when there are at least `min_surveys` of them, their mean score (from the landed
rows) is below `mean_score_below` and the rep's `family` subtotal S > 0, one line
`-round_half_away_from_zero(factor x S', 2)`, where S' is S plus the rep's line of the cap
`cap_rule_id` (S itself when the rep has none).""",
    "team_bonus": """\
**team_bonus lines** ({rules}; derived, `source_id` = the team): add up the landed `amount` of
the amount_rate lines of every rep of the team in `rep_period_points.csv` (sales plus, returns
minus; each `txn_id` once). When that net amount reaches the team's `monthly_target` for the
rule in `rulebook/team_targets.csv` (the rule's `default_target` when the team has none of its
own), every eligible rep of the team with at least one `sale` line gets the rule's `points`.""",
    "distinct_customers": """\
**distinct_customers lines** ({rules}; derived, `source_id` = the rep): add up, per customer,
the landed `amount` of the rep's amount_rate lines in `points_ledger.csv` (sales plus, returns
minus; a return counts for the customer of its original sale). A customer counts when that net
amount is above 0 and at least the rule's `min_amount` (column `default_target` of
`rulebook/rules.csv`; empty: any amount above 0); the line is the rule's `points` times the
customers counted, for an eligible rep with at least one.""",
}
MANUAL_STEP = """\
**MANUAL_ADJUSTMENT lines** (`source` = `adjustments`): the approved adjustment's row of
`landing/adjustments/<source_file>` (its `adjustment_id` is the line's `source_id`, its `period`
this period); the line is its `points`, with its `reason` and `approved_by` in the
explanation."""


def _steps(books: dict[str, RuleBook], rules: set[str]) -> list[str]:
    kinds = _kinds(books)
    steps = [
        STEPS[kind].format(rules=_rules_of(books, kind)) for kind in KIND_ORDER if kind in kinds
    ]
    if "MANUAL_ADJUSTMENT" in rules:
        steps.append(MANUAL_STEP)
    return steps


DESCRIBED = {"points_ledger", "rep_period_points", "rep_period_rule_points", "reward_list"}
TABLE_NOTES = {
    "publication_inputs": "every landing file the version was made from, with its SHA-256 "
    "and its rows of the period (all rows for reference data) read, loaded, deduplicated and "
    "quarantined as judged when the version was published; a file under landing/ that no "
    "source reads is listed as source `(not read)`, with its SHA-256 and no rows"
}


def _other_tables() -> str:
    notes = {**TABLE_NOTES, **loyalty_pack.NOTES, **signoff_pack.NOTES}
    return "".join(
        f"- `{table.name}.csv`: {notes.get(table.name, 'published table ' + table.name)}\n"
        for table in VERSIONED
        if table.name not in DESCRIBED
    )


def _checks(publication: dict, checks: dict) -> str:
    fingerprint_ok, fingerprint = checks["fingerprint"]
    landing = checks["landing"]
    counts = checks["counts"]
    recorded = {field: publication.get(field) for field in COUNT_FIELDS}
    reconciled = all(recorded[f] is None or recorded[f] == counts[f] for f in COUNT_FIELDS)
    lines = [
        f"- the CSV files hash back to the publication's content hash: {_mark(True)} "
        f"(`{checks['content_hash']}`)",
        f"- the publication record hashes to its `publication_hash`: "
        f"{_mark(checks['publication_hash'])}",
        f"- the rule book rows in `rulebook/`, with this version's ledger and roster, give the "
        f"publication's `input_fingerprint`: {_mark(fingerprint_ok)}"
        + ("" if fingerprint_ok else f" ({fingerprint})"),
        "- every landing file of `inputs_manifest.csv` is still in the landing folder with the "
        f"same SHA-256: {_mark(not landing)}",
    ]
    lines += [f"  - {problem}" for problem in landing]
    sources = checks.get("rulebook_sources") or {}
    for name in checks.get("rulebook_versions", []):
        if name in sources:
            lines.append(
                f"- `rulebook/yaml/{name}.yaml` compiles to the rows of rule book {name} in "
                f"`rulebook/`: {_mark(sources[name]['matches'])}"
            )
        else:
            lines.append(f"- the rule book file of version {name}: not found")
    if checks.get("publication_inputs") is not None:
        same_files, same_counts = checks["publication_inputs"]
        lines.append(
            "- `inputs_manifest.csv` lists exactly the files (and SHA-256) of "
            f"`publication_inputs.csv`: {_mark(same_files)}; `publication_inputs.csv` adds up "
            f"to the publication's row counts: {_mark(same_counts)}"
        )
    lines.append(loyalty_pack.readme_checks(checks).rstrip("\n"))
    lines.append(signoff_pack.readme_checks(checks).rstrip("\n"))
    lines.append(
        "- `validation_counts.csv` (scopes `period` and `reference`) adds up to the "
        f"publication's row counts: {_mark(reconciled)}"
        + (
            ""
            if reconciled
            else " — now "
            + ", ".join(f"{f} {counts[f]}" for f in COUNT_FIELDS)
            + "; published "
            + ", ".join(f"{f} {recorded[f]}" for f in COUNT_FIELDS)
            + " (rows were judged again by a later close)"
        )
    )
    return "\n".join(line for line in lines if line) + "\n"


PUBLICATION_NOTE = (
    "- `publication.json`: the publication record (rule book, fingerprint, content hash,\n"
    "  hash chain, row counts)"
)


def _derivations_note(checks: dict) -> str:
    if checks.get("derivations"):
        return (
            "- `ledger_derivations.csv`: how dbt derived each line when the version was\n"
            "  published: the values it read (`inputs`), the rule's `parameters` and the\n"
            "  arithmetic (`formula`); for an adjustment also the recomputed lines of the\n"
            "  adjusted period it is computed from (`line_period`)\n"
        )
    return (
        "- no `ledger_derivations.csv`: this version was published before jifen recorded how\n"
        "  each line is derived; the `explanation` of each line gives its arithmetic\n"
    )


def _derivations_step(checks: dict) -> str:
    if not checks.get("derivations"):
        return ""
    return (
        "; its row of `ledger_derivations.csv` (same `line_id`,\n   `line_period` = the "
        "period) holds the values, parameters and formula dbt used"
    )


def render_readme(
    period: str,
    version: int,
    publication: dict,
    checks: dict,
    books: dict[str, RuleBook],
    seeds: SeedRows,
) -> str:
    rules = set(checks["rules"])
    listed = _steps(books, rules)
    steps = "".join(
        f"{number}. " + text.replace("\n", "\n   ") + "\n"
        for number, text in enumerate(listed, start=3)
    )
    n = 3 + len(listed)
    loyalty_section = loyalty_pack.readme_section(checks, 5, period)
    signoff_section = signoff_pack.readme_section(
        checks, 5 + bool(loyalty_section), period, version
    )
    adjustments = (
        "\n**PRIOR_PERIOD_ADJUSTMENT lines** (`source` `period`) book, in this period, what rows "
        "landed after an earlier period was closed changed in it (late facts, a later roster), "
        "per rep and rule: `adjusted_period`, `adjusted_rule_id`. The line is that period "
        "recomputed with every row known at this close, minus what was booked for it (its "
        "published lines of the rule, plus adjustments booked before). Its explanation names "
        "the lines new, changed or gone since: find the rows of new lines in the landing files "
        "by their `txn_id`/`survey_id`/`adjustment_id`, gone ones in `quarantine.csv`, and "
        "check the rest against that period's own audit pack. `jifen trace` walks each one.\n"
        if "PRIOR_PERIOD_ADJUSTMENT" in rules
        else ""
    )
    return f"""\
# jifen audit pack: {period}, version {version}

This folder is everything needed to check, by hand, the points published for **{period}
version {version}** (published {publication.get("published_at")} UTC, reason
"{publication.get("reason")}", rule book {publication.get("rulebook_version")}).
The `.zip` next to it holds the same files.

- `points_ledger.csv`: every ledger line of the version: rep, rule, points, explanation, and
  for a line earned by a landed row the landing file (`source_file`), the row in it
  (`source_row_number`) and the file's SHA-256 at ingestion (`source_file_hash`)
- `rep_period_points.csv`: each rep's total, tier and ranks
- `rep_period_rule_points.csv`: each rep's subtotal per rule
- `reward_list.csv`: the rewards of the reps with a tier
{_other_tables()}{signoff_pack.FILES_NOTE}{_derivations_note(checks)}{PUBLICATION_NOTE}
- `rulebook/*.csv`: the rows of the rule book version(s) used, from the workspace's seeds;
  `rulebook/yaml/<version>.yaml`: the rule book file(s) they were compiled from
- `inputs_manifest.csv`: every landing file ingested up to the publication: source, file,
  SHA-256, rows, when (a file repeating another file's bytes is listed as `skipped`)
- `quarantine.csv`: quarantined rows of the period's facts (`scope` `period`), of the
  reference data (`reference`: reps, customers, members), and fact rows whose date gives no month
  (`undated`: they count in no period); `note` marks a row this version paid that a later
  close quarantined
- `validation_counts.csv`: rows read, loaded, deduplicated and quarantined per file, same scopes
- `check_hashes.py`: recomputes the hashes below with Python's standard library only
- `SHA256SUMS`: the SHA-256 of every other file of the pack (`sha256sum -c SHA256SUMS`)

CSV files are UTF-8 with a header row. Decimals are plain text with 2 places (`-12.30`); an
empty field is NULL (the published tables hold no empty text). Rows are in the published order.
Customer names in `quarantine.csv` are withheld; the landing file row holds the original.

## Checks made when this pack was written

{_checks(publication, checks)}
## 1. Check the pack and the landing files

1. `sha256sum -c SHA256SUMS` (or `python3 check_hashes.py`): the pack is complete and unaltered.
2. For every row of `inputs_manifest.csv`, `sha256sum landing/<source>/<file>` in the jifen
   workspace must print the `sha256` column (or `python3 check_hashes.py --landing
   <workspace>/landing`). A landed file never changes; a different hash means the file you hold
   is not the one that was computed.

## 2. Check the content hash (nobody altered the published rows)

The `content_hash` of `publication.json` is the SHA-256 of, for each table in this order —
{", ".join(f"`{table.name}`" for table in VERSIONED)} — the table's name
followed by the hex SHA-256 of its rows. A table's rows hash is the SHA-256 of every row of its
CSV (header excluded, in file order) written as its values joined by the byte 0x1F, a NULL
(empty field) written as the byte 0x00, each row followed by a newline (0x0A).

`python3 check_hashes.py` does exactly that and compares it with `publication.json`. Then
compare `content_hash` with the one jifen shows for the version (`jifen status`, or
`select content_hash from publications where period = '{period}' and version = {version}` in
`published.duckdb`): equal hashes mean these CSVs are the rows BI tools read.

The record itself is chained: `publication_hash` is the SHA-256 of the fields
{", ".join(f"`{f}`" for f in CHAINED_FIELDS)} joined by 0x1F (NULL as an
empty string), and `previous_hash` is the hash of the record before it (`seq` - 1): a
publication's `publication_hash`, or the `record_hash` of an approval or a payout batch: one
chain runs through the three (see "Check the sign-off, the payouts and the disputes by hand").
`jifen verify-chain` checks the whole chain.

## 3. Check a rep's total by hand

{_parameters(books, checks.get("rulebook_sources") or {}, seeds)}
Every ledger line names its `rulebook_version`: a line earned by a row uses the version in
effect on the row's date (a return: its original sale's date), caps, gates and team bonuses the
version in effect on the period's first day. A rule with `roles` or `teams` applies only to reps
whose role and team (in the roster) are listed.
Points are decimals with 2 places; a computed line is rounded **half away from zero** to 2
places (0.125 -> 0.13, -0.125 -> -0.13).

1. Pick a rep in `rep_period_points.csv`: note `rep_id`, `team_id`, `total_points` and `tier`.
2. Filter `points_ledger.csv` to that `rep_id`. Every line has a `rule_id` and an
   `explanation` saying how it was computed{_derivations_step(checks)}.
{steps}{adjustments}{n}. Add up the rep's lines: the sum must equal `total_points` exactly, and each
   rule's sum must equal the rep's row of that rule in `rep_period_rule_points.csv`.
{n + 1}. The tier is the highest row of `rulebook/tiers.csv` (of the version in effect on the
   period's first day) whose `min_points` <= `total_points` (none below the lowest);
   `reward_list.csv` shows its `reward` and `cash_value`.
{n + 2}. Ranks: `company_rank` is the rank by `total_points`, highest first, ties sharing a rank
   (1, 2, 2, 4); `team_rank` the same within the team.

## 4. Quarantine and counts

Nothing is silently dropped: every landed row was loaded, counted as a duplicate or
quarantined with a reason code. `quarantine.csv` lists the quarantined rows with the file,
row number, reason, detail and the values as landed (`raw`). Fact rows belong to {period} when
their `txn_date`/`survey_date`/`redeemed_date` as landed starts with `{period}`.

In `validation_counts.csv`, the rows of scopes `period` and `reference` add up to the
publication's `rows_read`, `rows_loaded`, `rows_deduplicated` and `rows_quarantined`, unless a
later close judged some rows again (a later roster can make an earlier row's rep known, a
corrected row can replace a quarantined one): the quarantine and the counts show the outcome of
the latest validation, for the files listed in `inputs_manifest.csv`.
{loyalty_section}{signoff_section}"""
