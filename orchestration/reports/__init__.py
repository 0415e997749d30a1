"""Static HTML reports of the published data: close reports, statements, quarterly standings.

Pages are plain HTML with inline CSS and inline SVG charts: they open from a file share or an
e-mail attachment with no network, no JavaScript and no server, and the same data always gives
the same bytes.
"""

from __future__ import annotations

from pathlib import Path

from orchestration.lib.period import is_period
from orchestration.lib.workspace import Workspace
from orchestration.reports import data, i18n, rulebook
from orchestration.reports.close import LISTING_LIMIT, close_context
from orchestration.reports.pages import file_name, statement_path, write
from orchestration.reports.quarantine import Quarantine
from orchestration.reports.quarterly import quarter_of, quarterly_context
from orchestration.reports.signoff import standing
from orchestration.reports.statement import statement_context
from orchestration.rulebooks.language import program_language
from orchestration.warehouse.connection import Warehouse, open_database

__all__ = ["render_reports"]

# Rendering a statement takes a few milliseconds; above this many reps a close writes the
# summary pages only and `jifen report --statements` writes the statements on demand.
STATEMENTS_AUTO_LIMIT = 5_000


def render_reports(
    published_db: Path,
    out_dir: Path,
    periods: list[str] | None = None,
    statements: bool | None = None,
    seeds: rulebook.SeedSource = None,
    listing_limit: int = LISTING_LIMIT,
    lang: str | None = None,
) -> list[Path]:
    """Write the reports of ``periods`` (default: every published period) into ``out_dir``.

    Opens ``published_db`` read-only, so it runs beside BI tools and never blocks a close.
    Returns the files written; ``index.html`` links every report present in ``out_dir``.
    ``statements``: per-rep statements too (default: when the period has at most
    ``STATEMENTS_AUTO_LIMIT`` reps). ``seeds``: the workspace (or its seed folder) whose rule
    books the closes used, for tiers and rule descriptions (default: the seeds of the workspace
    ``published_db`` belongs to, else the repository's). ``listing_limit``: rows shown in each
    per-rep table of a page (a page says when it shows fewer than there are). ``lang``: ``en``
    or ``zh`` (default: ``$JIFEN_LANG``, else the ``language`` of the workspace's sales rule
    book in effect for the newest published period, else English; ``i18n.language``).
    """
    lang = i18n.language(lang) if i18n.chosen(lang) else None
    published_db, out_dir = Path(published_db), Path(out_dir)
    if seeds is None:
        seeds = rulebook.seeds_of_published(published_db)
    if not published_db.is_file():
        raise FileNotFoundError(f"no published data at {published_db}: close a period first")
    with open_database(published_db, read_only=True) as published:
        versions = data.latest_versions(published)
        lang = lang or _book_language(published_db, seeds, versions)
        chosen = list(versions) if periods is None else sorted(set(periods))
        for period in chosen:
            if not is_period(period) or period not in versions:
                raise ValueError(f"period {period!r} is not published")
        quarantine = Quarantine.load(published)
        written = []
        for period in chosen:
            written += _period_pages(
                published,
                out_dir,
                period,
                versions,
                quarantine,
                statements,
                seeds,
                listing_limit,
                lang,
            )
        for quarter in sorted({quarter_of(period) for period in chosen}):
            context = quarterly_context(published, quarter, versions, listing_limit)
            written.append(
                write(out_dir, Path(f"quarterly-{quarter}.html"), "quarterly.html", context, lang)
            )
        written.append(
            write(
                out_dir,
                Path("index.html"),
                "index.html",
                _index(published, out_dir, versions, listing_limit),
                lang,
            )
        )
    return written


def _book_language(published_db: Path, seeds: rulebook.SeedSource, versions: dict) -> str:
    """The reports' default language: what the live sales rule book in effect for the newest
    published period names (read from the YAML books: the seeds do not carry it)."""
    home = Workspace(published_db.resolve().parent)  # the workspace of HOME/published.duckdb
    workspace = seeds if isinstance(seeds, Workspace) else home
    return i18n.language(book=program_language(workspace, max(versions, default=None)))


def _period_pages(
    published: Warehouse,
    out_dir: Path,
    period: str,
    versions: dict[str, int],
    quarantine: Quarantine,
    statements: bool | None = None,
    seeds: rulebook.SeedSource = None,
    listing_limit: int = LISTING_LIMIT,
    lang: str = i18n.DEFAULT,
) -> list[Path]:
    close = close_context(published, period, versions, quarantine, seeds, listing_limit)
    written = [write(out_dir, Path(f"close-{period}.html"), "close.html", close, lang)]
    if statements is None:
        statements = len(close["reps"]) <= STATEMENTS_AUTO_LIMIT
    if not statements:
        return written
    folder = out_dir / "statements" / period
    for stale in sorted(folder.glob("*.html")):  # a restated version may have other reps
        stale.unlink()
    lines = data.ledger(published, period, close["publication"]["version"], close["rule_order"])
    for rep in close["reps"]:
        context = statement_context(close, rep, lines.get(rep["rep_id"], []))
        written.append(
            write(out_dir, statement_path(period, rep["rep_id"]), "statement.html", context, lang)
        )
    return written


def _index(published: Warehouse, out_dir: Path, versions: dict[str, int], limit: int) -> dict:
    """Every published period, linking the pages that exist in ``out_dir`` (at most ``limit``
    statements per period)."""
    periods = []
    for period, version in reversed(versions.items()):
        reps = data.period_reps(published, period, version)
        folder = out_dir / statement_path(period, "x").parent
        present = {path.name for path in folder.glob("*.html")} if folder.is_dir() else set()
        with_statement = sorted(
            (rep for rep in reps if file_name(rep["rep_id"]) in present),
            key=lambda rep: rep["rep_id"],
        )
        periods.append(
            {
                "period": period,
                "publication": data.publications(published, period)[0],
                "signoff": standing(data.decisions(published, period), version),
                "close": (out_dir / f"close-{period}.html").exists(),
                "reps": with_statement[:limit],
                "statement_count": len(with_statement),
                "rep_count": len(reps),
            }
        )
    quarters = sorted({quarter_of(period) for period in versions}, reverse=True)
    return {
        "periods": periods,
        "quarters": [q for q in quarters if (out_dir / f"quarterly-{q}.html").exists()],
    }
