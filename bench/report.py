"""The benchmark's report: one table row per scale and run (printed with rich, written as
Markdown to docs/benchmarks.md with the machine, the data, and the checks and notes under it)."""

from __future__ import annotations

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
    reference = floors.get("next floor" if nxt else "floor")
    ratio = None
    if not run["run"].endswith("floor") and reference and reference["ok"] and run["ok"]:
        ratio = run["wall"] / reference["wall"] if reference["wall"] else None
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
        "ratio": ratio,
        "load": run.get("load"),
    }


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
        f"{row['ratio']:.1f}" if row["ratio"] is not None else "-",
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
    "a child), sampled every 50 ms. x floor = wall / the floor's wall on the same data. "
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
        lines += [note for note in map(_run_note, scale["runs"]) if note]
    generation = results.get("base_generation")
    if generation:
        lines.append(f"- Base data generated in {generation['seconds']:.1f} s.")
    return lines + [f"- {note}" for note in results.get("notes", [])]


def markdown(results: dict) -> str:
    """docs/benchmarks.md."""
    sections = (_heading(results), _data(results["plan"]), _results(results), _notes(results))
    return "\n\n".join("\n".join(section) for section in sections) + "\n"
