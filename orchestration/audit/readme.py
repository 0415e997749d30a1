"""The README of an audit pack: what is in it and how to check the numbers by hand."""

from __future__ import annotations

from orchestration.audit._common import RuleBook
from orchestration.defs.publish.tables import CHAINED_FIELDS, VERSIONED

COUNT_FIELDS = ("rows_read", "rows_loaded", "rows_deduplicated", "rows_quarantined")


def _mark(passed: bool | None) -> str:
    return {True: "yes", False: "**NO**", None: "not checked"}[passed]


def _parameters(books: dict[str, RuleBook]) -> str:
    if not books:
        return "(the rule book rows were not found in the project's seeds)\n"
    out = []
    for name, book in books.items():
        p = book.parameters
        scores = ", ".join(
            f"{score}: {points}" for score, points in sorted(book.satisfaction.items())
        )
        targets = ", ".join(
            f"{'every team' if team == '*' else team}: {target}"
            for team, target in sorted(book.team_targets.items())
        )
        tiers = ", ".join(f"{tier} from {low}" for low, tier in book.tiers)
        out.append(
            f"Rule book `{name}` (rulebook/rule_parameters.csv and the other files in rulebook/):\n"
            f"\n"
            f"- `sales_rate` {p.get('sales_rate')}, `new_customer_points` "
            f"{p.get('new_customer_points')}, `sales_cap_points` {p.get('sales_cap_points')}\n"
            f"- quality gate: at least `gate_min_surveys` {p.get('gate_min_surveys')} surveys, "
            f"mean below `gate_mean_score_below` {p.get('gate_mean_score_below')}, "
            f"`gate_factor` {p.get('gate_factor')}\n"
            f"- `team_bonus_points` {p.get('team_bonus_points')}; monthly targets: {targets}\n"
            f"- satisfaction points by score: {scores}\n"
            f"- tiers: {tiers}\n"
        )
    return "\n".join(out)


DESCRIBED = {"points_ledger", "rep_period_points", "rep_period_rule_points", "reward_list"}
TABLE_NOTES = {
    "publication_inputs": "every landing file the version was made from, with its SHA-256 "
    "and its rows of the period (all rows for reference data) read, loaded, deduplicated and "
    "quarantined as judged when the version was published"
}


def _other_tables() -> str:
    return "".join(
        f"- `{table.name}.csv`: {TABLE_NOTES.get(table.name, 'published table ' + table.name)}\n"
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
    if checks.get("publication_inputs") is not None:
        same_files, same_counts = checks["publication_inputs"]
        lines.append(
            "- `inputs_manifest.csv` lists exactly the files (and SHA-256) of "
            f"`publication_inputs.csv`: {_mark(same_files)}; `publication_inputs.csv` adds up "
            f"to the publication's row counts: {_mark(same_counts)}"
        )
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
    return "\n".join(lines) + "\n"


def render_readme(
    period: str, version: int, publication: dict, checks: dict, books: dict[str, RuleBook]
) -> str:
    rules = set(checks["rules"])
    adjustments = (
        "\n**PRIOR_PERIOD_ADJUSTMENT lines** (`source` `period`) book, in this period, what rows "
        "landed after an earlier period was closed changed in it (late facts, a later roster), "
        "per rep and rule: `adjusted_period`, `adjusted_rule_id`. The line is that period "
        "recomputed with every row known at this close, minus what was booked for it (its "
        "published lines of the rule, plus adjustments booked before). Its explanation names "
        "the lines new, changed or gone since: find new SALES/SATISFACTION lines' rows in the "
        "landing files by their `txn_id`/`survey_id`, gone ones in `quarantine.csv`, and "
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
{_other_tables()}- `publication.json`: the publication record (rule book, fingerprint, content hash,
  hash chain, row counts)
- `rulebook/*.csv`: the rows of the rule book version(s) used, from the project's seeds
- `inputs_manifest.csv`: every landing file ingested up to the publication: source, file,
  SHA-256, rows, when (a file repeating another file's bytes is listed as `skipped`)
- `quarantine.csv`: quarantined rows of the period's facts (`scope` `period`), of the
  reference data (`reference`: reps, customers), and fact rows whose date gives no month
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
empty string), and `previous_hash` is the `publication_hash` of the publication before it
(`seq` - 1). `jifen verify-chain` checks the whole chain.

## 3. Check a rep's total by hand

{_parameters(books)}
Points are decimals with 2 places; a computed line is rounded **half away from zero** to 2
places (0.125 -> 0.13, -0.125 -> -0.13).

1. Pick a rep in `rep_period_points.csv`: note `rep_id`, `team_id`, `total_points` and `tier`.
2. Filter `points_ledger.csv` to that `rep_id`. Every line has a `rule_id` and an
   `explanation` saying how it was computed.
3. **SALES lines** (`source` = `sales`): open `landing/sales/<source_file>` and take data row
   `source_row_number` (row 1 is the first row after the CSV header; in a Parquet file, the
   first row). Check the file's SHA-256 is `source_file_hash` and the row's `txn_id` is the
   line's `source_id`. Compute `round_half_away_from_zero(amount x sales_rate, 2)`; the line's
   `points` is that for a `sale` and minus that for a `return`. A return is charged to the rep of
   the original sale (the explanation names it), so its row may name another rep.
4. **NEW_CUSTOMER lines**: the landed sale row (same way as step 3) is the customer's first
   loaded sale; the line is `new_customer_points`.
5. **SATISFACTION lines** (`source` = `surveys`): the row of `landing/surveys/<source_file>`;
   the line is the `points` of its `score` in `rulebook/satisfaction_points.csv`.
6. **SALES_CAP** (derived, no landing file): S = the sum of the rep's SALES lines. When
   S > `sales_cap_points`, one line `sales_cap_points - S`.
7. **QUALITY_GATE** (derived): with the rep's SATISFACTION lines (one per survey), when there
   are at least `gate_min_surveys` of them, their mean score (from the landed rows) is below
   `gate_mean_score_below` and S > 0, one line
   `-round_half_away_from_zero(gate_factor x min(S, sales_cap_points), 2)`.
8. **TEAM_BONUS** (derived, `source_id` = the team): add up the landed `amount` of the SALES
   lines of every rep of the team in `rep_period_points.csv` (sales plus, returns minus). When
   that net amount reaches the team's `monthly_target` in `rulebook/team_targets.csv` (the `*`
   row when the team has none of its own), every rep of the team with at least one `sale` line
   gets `team_bonus_points`.
{adjustments}9. Add up the rep's lines: the sum must equal `total_points` exactly, and each rule's
   sum must equal the rep's row of that rule in `rep_period_rule_points.csv`.
10. The tier is the highest row of `rulebook/tiers.csv` whose `min_points` <= `total_points`
   (none below the lowest); `reward_list.csv` shows its `reward` and `cash_value`.
11. Ranks: `company_rank` is the rank by `total_points`, highest first, ties sharing a rank
   (1, 2, 2, 4); `team_rank` the same within the team.

## 4. Quarantine and counts

Nothing is silently dropped: every landed row was loaded, counted as a duplicate or
quarantined with a reason code. `quarantine.csv` lists the quarantined rows with the file,
row number, reason, detail and the values as landed (`raw`). Fact rows belong to {period} when
their `txn_date`/`survey_date` as landed starts with `{period}`.

In `validation_counts.csv`, the rows of scopes `period` and `reference` add up to the
publication's `rows_read`, `rows_loaded`, `rows_deduplicated` and `rows_quarantined`, unless a
later close judged some rows again (a later roster can make an earlier row's rep known, a
corrected row can replace a quarantined one): the quarantine and the counts show the outcome of
the latest validation, for the files listed in `inputs_manifest.csv`.
"""
