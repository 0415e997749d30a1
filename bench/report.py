"""The benchmark's report: one table row per scale and run (printed with rich, written as
Markdown to docs/benchmarks.md with the machine, the data, and the checks and notes under it)."""

from __future__ import annotations

from bench.goals import goals

HEADER = (
    "scale",
    "run",
    "period",
    "sales rows",
    "wall s",
    "peak RSS MiB",
    "ingest",
    "validate",
    "dbt build",
    "gate",
    "publish",
    "other",
    "x floor",
    "x loyalty floor",
    "x floors",
    "load",
)
TEXT_COLUMNS = ("scale", "run", "period")


def mib(value: int | None) -> str:
    return "-" if value is None else f"{value / 2**20:,.0f}"


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.1f}" if value >= 10 else f"{value:.2f}"


def _row(scale: dict, run: dict, floors: dict) -> dict:
    stages = run.get("stages") or {}
    gate, both = stages.get("gate"), stages.get("gate+publish")
    publish = None
    if both is not None and gate is not None:
        publish = max(0.0, both - gate)
    nxt = run["run"].startswith("next")
    prefix = "next " if nxt else ""
    sales = floors.get(f"{prefix}floor")
    loyalty = floors.get(f"{prefix}loyalty floor")
    is_floor = run["run"].endswith("floor")
    return {
        "scale": scale["label"],
        "rows": scale.get("next_sales_rows" if nxt else "sales_rows"),
        "run": run["run"],
        "period": run["period"],
        "ok": run["ok"],
        "wall": run["wall"] if run["ok"] else None,
        "peak_rss": run["peak_rss"],
        **{name: stages.get(name) for name in ("ingest", "validate", "dbt build")},
        "gate": gate,
        "publish": publish,
        "gate+publish": both,
        "other": (run["wall"] - stages["steps"]) if stages.get("steps") else None,
        "note": run.get("note", ""),
        "ratio": None if is_floor else _ratio(run, sales),
        "ratio_loyalty": None if is_floor else _ratio(run, loyalty),
        "ratio_floors": None if is_floor or not loyalty else _ratio(run, sales, loyalty),
        "load": run.get("load"),
    }


def _ratio(run: dict, *references: dict | None) -> float | None:
    """The run's wall over the sum of the references' (None unless every one ran)."""
    if not run["ok"] or not all(r and r["ok"] for r in references):
        return None
    total = sum(r["wall"] for r in references)
    return run["wall"] / total if total else None


def table_rows(results: dict) -> list[dict]:
    """One row per scale and run, with the stage columns and the ratio to the floor."""
    rows = []
    for scale in results["scales"]:
        floors = {r["run"]: r for r in scale["runs"] if r["run"].endswith("floor")}
        rows += [_row(scale, run, floors) for run in scale["runs"]]
    return rows


def _stage_cell(row: dict, name: str) -> str:
    if name == "gate" and row["gate"] is None and row["gate+publish"] is not None:
        return "(with publish)"
    if name == "publish" and row["publish"] is None and row["gate+publish"] is not None:
        return seconds(row["gate+publish"]) + " (gate incl.)"
    return seconds(row[name]) if row[name] is not None else "-"


def _cells(row: dict) -> list[str]:
    return [
        row["scale"],
        row["run"],
        row["period"],
        f"{row['rows']:,}" if row["rows"] else "-",
        seconds(row["wall"]) if row["ok"] else "failed",
        mib(row["peak_rss"]),
        *(
            _stage_cell(row, name)
            for name in ("ingest", "validate", "dbt build", "gate", "publish")
        ),
        seconds(row["other"]),
        *(
            f"{row[name]:.1f}" if row[name] is not None else "-"
            for name in ("ratio", "ratio_loyalty", "ratio_floors")
        ),
        f"{row['load']:.1f}" if row.get("load") is not None else "-",
    ]


def rich_table(results: dict):
    from rich.table import Table

    table = Table(title="jifen close vs floor (seconds; peak RSS of the process tree)")
    for name in HEADER:
        table.add_column(name, justify="left" if name in TEXT_COLUMNS else "right")
    for row in table_rows(results):
        table.add_row(*_cells(row))
    return table


# --- the Markdown page -------------------------------------------------------------------------

HOW_TO_READ = (
    "Seconds of wall time. Stages come from the Dagster run's step events: ingest = the "
    "`raw_*` steps, validate = `validated_inputs`, dbt build = `points_models`, gate = the "
    "great-expectations gate timed alone right after the close on the tables it left, "
    "publish = the `publication` step minus that gate (store, readers' copy, reports, Data "
    "Docs), other = the rest of the process (start-up, imports, planning, the summary). "
    "Peak RSS sums the resident memory of the process and all its descendants (dbt runs as "
    "a child), sampled every 50 ms. x floor = wall / the (sales program's) floor's wall on "
    "the same data; x loyalty floor = wall / the loyalty floor's wall; x floors = wall / "
    "(floor + loyalty floor). The close runs both programs, so x loyalty floor sets the "
    "close's whole wall against the loyalty floor alone, and x floors is the fair comparison: "
    "the two floors together do what the close does (both read and validate the sales, "
    "which the close does once). "
    "load = the 1-minute load average just before the run (anything well above 0 means "
    "other work shared the CPUs)."
)


def _engine(engine: dict) -> list[str]:
    """The engine line under Machine: DuckDB, or Spark with its master and settings."""
    if engine.get("engine") != "spark":
        return ["- Engine of the closes: DuckDB (the floor is DuckDB whatever the engine)"]
    settings = ", ".join(f"`{k} {v}`" for k, v in engine["settings"].items())
    return [
        f"- Engine of the closes: **Spark**, master `{engine['settings']['spark.master']}`; "
        f"pyspark {engine['pyspark']}, dbt-spark {engine['dbt-spark']}, deltalake "
        f"{engine['deltalake']}; the floor is DuckDB whatever the engine",
        f"- Spark settings (jifen's defaults, the master, the --spark-conf file): {settings}",
    ]


def _heading(results: dict) -> list[str]:
    plan, m = results["plan"], results["machine"]
    engine = results.get("engine", {"engine": "duckdb"})
    option = " --engine spark" if engine.get("engine") == "spark" else ""
    return [
        "# Benchmarks",
        "",
        "Generated by `python bench/run.py "
        + f"--scales {','.join(plan['scales'])}{option}` "
        + "(see [bench/README.md](../bench/README.md)); "
        + f"started {results.get('started', '?')}, "
        + f"finished {results.get('finished', '(still running)')}.",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cpus']} cores available; memory {m['memory']}; {m['os']}",
        f"- Python {m['python']}, duckdb {m['duckdb']}, dbt-core {m['dbt-core']}, "
        f"dbt-duckdb {m['dbt-duckdb']}, dagster {m['dagster']}, "
        f"great-expectations {m['great-expectations']}; jifen at `{m['jifen']}`",
        *_engine(engine),
    ]


def _data(plan: dict) -> list[str]:
    history = f"{plan['history'][0]}..{plan['history'][-1]}" if plan["history"] else "none"
    return [
        "## Data",
        "",
        f"- Closed month {plan['period']}, then the next month {plan['following']}; before them "
        f"{len(plan['history'])} months of history ({history}), landed and ingested before the "
        "benchmark by a `jifen standings` run (ingest, validate, dbt; nothing published). The "
        "history is not closed: the gate's rep-count band (within 50 % of the previous "
        "published period) would stop a scaled month after a closed base-scale history.",
        f"- Base: `orchestration.generate.generate` over all months with "
        f"{plan['reps']:,} reps x "
        f"50 sales a month, 1 % dirty rows ({plan.get('base_month_sales_rows', 0):,} sales rows "
        f"in {plan['period']}); the history stays at this scale.",
        "- Scales: the closed and the next month are the base month plus renamed replicas "
        "(every id suffixed per replica: reps, teams, customers, orders, transactions, surveys), "
        "so customers, surveys, reps and dirty rows grow in proportion.",
        f"- Error budget passed to the closes: {plan['error_budget']}.",
    ]


def _results(results: dict) -> list[str]:
    lines = ["## Results", "", HOW_TO_READ, ""]
    lines.append("| " + " | ".join(HEADER) + " |")
    lines.append("|" + "|".join("---" if i < 3 else "---:" for i in range(len(HEADER))) + "|")
    return lines + ["| " + " | ".join(_cells(row)) + " |" for row in table_rows(results)]


def _scale_note(scale: dict, plan: dict) -> str:
    warm = scale.get("warm_up")
    warmed = (
        f"; warm-up (standings of {warm['period']}) {seconds(warm['wall'])} s, "
        f"peak {mib(warm['peak_rss'])} MiB."
        if warm
        else "."
    )
    return (
        f"- {scale['label']}: {scale.get('replicas', 1)} x the base month, "
        f"{scale.get('landing_rows', 0):,} rows in the landing folder at the close of "
        f"{plan['period']} ({scale.get('history_rows', 0):,} of them history); data written "
        f"in {seconds(scale.get('generate_seconds'))} s" + warmed
    )


def _check_note(check: dict, period: str) -> str:
    verdict = "match" if check["match"] else "MISMATCH"
    differences = check["quarantine_differences"]
    return (
        f"  - floor vs close {period}: **{verdict}**: {check['reps']:,} reps, "
        f"{check['mismatched']} totals and {check['rule_subtotals_mismatched']} rule "
        f"subtotals differ ({check['reps_with_adjustments']} reps have "
        "prior-period adjustments, left out); quarantine: "
        f"{check['quarantined_rows']:,} rows, {check['quarantine_reasons']} "
        f"(source, reason) pairs, {len(differences)} differ"
        + (": " + "; ".join(differences[:5]) if differences else "")
    )


def _loyalty_check_note(check: dict, period: str) -> str:
    verdict = "match" if check["match"] else "MISMATCH"
    totals = ", ".join(
        f"{name} {pair['floor']:,}"
        + ("" if pair["floor"] == pair["close"] else f" / {pair['close']:,}")
        for name, pair in check["totals"].items()
    )
    differences = check["quarantine_differences"]
    return (
        f"  - loyalty floor vs close {period}: **{verdict}**: {check['members']:,} members "
        f"({check['events']:,} walk events), {check['mismatched']} differ in a balance figure "
        f"({check['only_floor']} only in the floor, {check['only_close']} only in the close); "
        f"period totals (floor / close where they differ): {totals}; quarantine of members and "
        f"redemptions: {check['quarantined_rows']:,} rows, {check['quarantine_reasons']} "
        f"(source, reason) pairs, {len(differences)} differ"
        + (": " + "; ".join(differences[:5]) if differences else "")
    )


def _run_note(run: dict) -> str | None:
    details = [run["note"]] if run.get("note") else []
    if run.get("stage_peaks"):
        peaks = ", ".join(f"{k} {mib(v)}" for k, v in run["stage_peaks"].items())
        parts = ", ".join(
            f"{k} {mib(v)}"
            for k, v in sorted(run["peak_parts"].items(), key=lambda kv: -kv[1])
            if v >= 0.02 * run["peak_rss"]
        )
        details.append(f"peak RSS by stage (MiB): {peaks}; at the peak: {parts}")
    publish = run.get("publish_parts")
    if publish:
        details.append(
            "publish from file times (s): store and published.duckdb "
            f"{seconds(publish['store'])}, Delta tables "
            f"{seconds(publish['serving'])}, HTML reports "
            f"{seconds(publish['reports'])} ({publish['report files']:,} files), "
            f"Data Docs {seconds(publish['data docs'])}"
        )
    return f"  - {run['run']} {run['period']}: " + "; ".join(details) if details else None


def _notes(results: dict) -> list[str]:
    plan = results["plan"]
    lines = ["## Checks and notes", ""]
    for scale in results["scales"]:
        lines.append(_scale_note(scale, plan))
        for key, period in (("check", plan["period"]), ("next_check", plan["following"])):
            if scale.get(key):
                lines.append(_check_note(scale[key], period))
            if scale.get(f"loyalty_{key}"):
                lines.append(_loyalty_check_note(scale[f"loyalty_{key}"], period))
        lines += [note for note in map(_run_note, scale["runs"]) if note]
    generation = results.get("base_generation")
    if generation:
        lines.append(f"- Base data generated in {generation['seconds']:.1f} s.")
    return lines + [f"- {note}" for note in results.get("notes", [])]


# Where the generated page ends: what follows is written by hand and kept by every rewrite.
HAND_WRITTEN = (
    "<!-- Everything above is generated by bench/run.py from its measurements; the sections "
    "below are written by hand and kept when it rewrites this page. -->"
)
# the sections the generator writes; any other "## " section of an older page is hand-written
GENERATED_SECTIONS = ("Machine", "Data", "Results", "Checks and notes", "Goals")


def hand_written(page: str) -> str:
    """The hand-written part of an existing page: what follows HAND_WRITTEN, or on a page
    without it (written before it existed) every "## " section the generator does not write."""
    if HAND_WRITTEN in page:
        return page.split(HAND_WRITTEN, 1)[1].strip()
    kept = []
    for section in page.split("\n## ")[1:]:
        title, _, body = section.partition("\n")
        if not title.startswith(GENERATED_SECTIONS):
            kept.append("## " + section.strip())
        elif title.startswith("Goals"):  # the earlier goals: their table is now generated,
            # the prose under it (what was done) is history worth keeping
            prose = "\n".join(line for line in body.splitlines() if not line.startswith("|"))
            if prose.strip():
                kept.append(f"## How the earlier goals were reached ({title})\n\n{prose.strip()}")
    return "\n\n".join(kept)


def markdown(results: dict, kept: str = "") -> str:
    """docs/benchmarks.md: the generated sections, then ``kept`` (the hand-written ones)."""
    sections = (
        _heading(results),
        _data(results["plan"]),
        _results(results),
        goals(results),
        _notes(results),
    )
    page = "\n\n".join("\n".join(section) for section in sections) + "\n"
    return page + f"\n{HAND_WRITTEN}\n" + (f"\n{kept}\n" if kept else "")
