"""The "Goals" section of docs/benchmarks.md: issue 14's goals, each with what this run
measured and whether it is met, computed from the run's numbers (nothing written by hand)."""

from __future__ import annotations

RATIO_LIMIT = 3.0  # a close within 3 x its floor
SMALL_CLOSE_SECONDS = 5.0
RE_CLOSE_SECONDS = 1.0
MEMORY_LIMIT_MIB = 4096  # 4 GB, taken as 4 GiB
ABOUT_THE_SAME = 1.2  # "about the same": the next month's close within 20 % of the month's
LARGEST, MIDDLE, SMALL = "10m", "1m", "1k"


def _run(results: dict, label: str, name: str) -> dict | None:
    for scale in results["scales"]:
        if scale["label"] == label:
            return next((r for r in scale["runs"] if r["run"] == name and r["ok"]), None)
    return None


def _wall(results: dict, label: str, name: str) -> float | None:
    run = _run(results, label, name)
    return run["wall"] if run else None


def _s(value: float) -> str:
    return f"{value:,.1f} s" if value >= 10 else f"{value:.2f} s"


def _status(ok: bool | None) -> str:
    return "not measured" if ok is None else ("met" if ok else "**not met**")


def _close_vs_floor(results: dict, label: str, close: str, floor: str) -> tuple[str, bool | None]:
    wall, reference = _wall(results, label, close), _wall(results, label, floor)
    if wall is None or not reference:
        return f"{label}: {close} or {floor} not run (or failed)", None
    ratio = wall / reference
    return f"{_s(wall)} = **{ratio:.1f} x** the {floor}'s {_s(reference)}", ratio <= RATIO_LIMIT


def _loyalty(results: dict, prefix: str) -> tuple[str, bool | None]:
    label = LARGEST
    close = _wall(results, label, f"{prefix}close")
    sales = _wall(results, label, f"{prefix}floor")
    loyalty = _wall(results, label, f"{prefix}loyalty floor")
    if close is None or not sales or not loyalty:
        return f"{label}: {prefix}close or its floors not run (or failed)", None
    both = close / (sales + loyalty)
    return (
        f"the {prefix}close (both programs) {_s(close)} = {close / loyalty:.1f} x the loyalty "
        f"floor's {_s(loyalty)}, **{both:.1f} x** the two floors' {_s(sales + loyalty)}",
        both <= RATIO_LIMIT,
    )


def _next_month(results: dict) -> tuple[str, bool | None]:
    close, following = _wall(results, LARGEST, "close"), _wall(results, LARGEST, "next close")
    if close is None or following is None:
        return f"{LARGEST}: close or next close not run (or failed)", None
    grown = following / close
    return (
        f"next close {_s(following)} / close {_s(close)} = **{grown:.2f}** (about the same: "
        f"<= {ABOUT_THE_SAME}); {_loyalty(results, 'next ')[0]}",
        grown <= ABOUT_THE_SAME,
    )


def _small_close(results: dict) -> tuple[str, bool | None]:
    wall = _wall(results, SMALL, "close")
    if wall is None:
        return "the 1k run was not run (or failed)", None
    first = _wall(results, SMALL, "first close")
    where = (
        f"the second close of a workspace (its first, of the month before, {_s(first)})"
        if first is not None
        else "a new workspace's first close, without history"
    )
    return f"**{_s(wall)}** ({where})", wall <= SMALL_CLOSE_SECONDS


def _re_close(results: dict) -> tuple[str, bool | None]:
    walls = {s["label"]: _wall(results, s["label"], "re-close") for s in results["scales"]}
    walls = {label: wall for label, wall in walls.items() if wall is not None}
    if not walls:
        return "no re-close ran", None
    listed = ", ".join(f"{label} {_s(wall)}" for label, wall in walls.items())
    return f"at most **{_s(max(walls.values()))}** ({listed})", max(
        walls.values()
    ) <= RE_CLOSE_SECONDS


def _memory(results: dict) -> tuple[str, bool | None]:
    peaks = {
        name: run["peak_rss"] / 2**20
        for name in ("close", "re-close", "next close")
        if (run := _run(results, LARGEST, name)) and run.get("peak_rss")
    }
    if not peaks:
        return f"{LARGEST}: no close ran", None
    listed = ", ".join(f"{name} {mib:,.0f} MiB" for name, mib in peaks.items())
    top = max(peaks.values())
    return f"**{top:,.0f} MiB** ({listed})", top <= MEMORY_LIMIT_MIB


def _matches(results: dict) -> tuple[str, bool | None]:
    checks = [
        (scale["label"], key, scale[key])
        for scale in results["scales"]
        for key in ("check", "loyalty_check", "next_check", "next_loyalty_check")
        if scale.get(key)
    ]
    if not checks:
        return "no comparison ran", None
    failed = [
        f"{label} {key.replace('_', ' ')}" for label, key, check in checks if not check["match"]
    ]
    loyalty = sum("loyalty" in key for _, key, _ in checks)
    text = f"{len(checks) - len(failed)} of {len(checks)} comparisons match ({loyalty} loyalty)"
    return text + (f"; mismatched: {', '.join(failed)}" if failed else ""), not failed


def goals(results: dict) -> list[str]:
    rows = [
        ("full close at 10M <= 3 x the floor", _close_vs_floor(results, LARGEST, "close", "floor")),
        (
            "next-month close at 10M (with late rows of the closed month) <= 3 x its floor",
            _close_vs_floor(results, LARGEST, "next close", "next floor"),
        ),
        ("close at 1M <= 3 x the floor", _close_vs_floor(results, MIDDLE, "close", "floor")),
        ("close of a 1,000-row month <= 5 s", _small_close(results)),
        ("unchanged re-close <= 1 s", _re_close(results)),
        ("peak memory of the process tree at 10M <= 4 GB (4,096 MiB)", _memory(results)),
        ("loyalty: the close at 10M within 3 x its own floor", _loyalty(results, "")),
        ("loyalty: the next-month close at 10M costs about the same", _next_month(results)),
        ("the floors match what the closes published", _matches(results)),
    ]
    lines = [
        "## Goals (issue 14)",
        "",
        "Each goal with what this run measured and whether it is met, computed by bench/goals.py "
        "from the numbers above. The close runs both programs, so the loyalty goal sets it "
        "against the two floors together (the sales floor stands for the sales program's part).",
        "",
        "| goal | measured in this run | status |",
        "|---|---|---|",
    ]
    return lines + [f"| {goal} | {text} | {_status(ok)} |" for goal, (text, ok) in rows]
