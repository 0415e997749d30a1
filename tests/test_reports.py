"""Static HTML reports, checked against the published data and in a real headless browser.

Three months are closed through Dagster once per module; every number a page shows is then
compared with an independent query of the readers' copy (or of the rule book seeds).
"""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from browser import Chromium

from orchestration.defs.launch import run_close
from orchestration.generate import generate
from orchestration.lib.workspace import Workspace
from orchestration.reports import render_reports
from orchestration.reports.fmt import num, signed
from orchestration.reports.quarantine import period_of

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
MONTHS = ["2026-07", "2026-08", "2026-09"]


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = Workspace.at(tmp_path_factory.mktemp("reports") / "home").prepare()
    generate(ws.home, seed=5, months=MONTHS)
    for period in MONTHS:
        run = run_close(ws, period)
        assert run.success, run.errors
    return ws.published_db


@pytest.fixture(scope="module")
def reports(published: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out")
    written = render_reports(published, out)
    assert written[-1] == out / "index.html"
    return out


def sql(db: Path, query: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


def dec(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


class Page(HTMLParser):
    """Tables (by id), text of elements with an id, and every href/src of a page."""

    VOID = {"meta", "link", "img", "br", "hr", "input", "source", "wbr", "col", "area", "base"}

    def __init__(self, path: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.source = path.read_text(encoding="utf-8")
        self.tables: dict[str, list[tuple[str, str, list[list[str]]]]] = {}
        self.ids: dict[str, list[str]] = {}
        self.urls: list[str] = []
        self.tags: set[str] = set()
        self._open: list[tuple[str, str | None]] = []
        self._table: list | None = None
        self._section = "tbody"
        self._row: tuple[str, str, list[list[str]]] | None = None
        self._cell: list[str] | None = None
        self.feed(self.source)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        self.tags.add(tag)
        self.urls += [attr[key] or "" for key in ("href", "src") if key in attr]
        if tag == "table":
            self._table = self.tables.setdefault(attr.get("id") or f"#{len(self.tables)}", [])
        elif tag in ("thead", "tbody", "tfoot"):
            self._section = tag
        elif tag == "tr" and self._table is not None:
            self._row = (self._section, attr.get("class") or "", [])
            self._table.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            self._row[2].append(self._cell)
        if attr.get("id"):
            self.ids[attr["id"]] = []
        if tag not in self.VOID:
            self._open.append((tag, attr.get("id")))

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop()[0] != tag:
            pass
        if tag in ("td", "th"):
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        for _, element_id in self._open:
            if element_id:
                self.ids[element_id].append(data)
        if self._cell is not None:
            self._cell.append(data)

    def text(self, element_id: str) -> str:
        return " ".join("".join(self.ids[element_id]).split())

    def rows(self, table: str, section: str = "tbody", kind: str | None = None) -> list[list[str]]:
        return [
            [" ".join("".join(cell).split()) for cell in cells]
            for row_section, row_class, cells in self.tables[table]
            if row_section == section and (kind is None or row_class == kind)
        ]


def rank(values: list[Decimal], value: Decimal) -> int:
    """RANK() descending, written independently: 1 + how many are strictly better."""
    return 1 + sum(other > value for other in values)


def seed_tiers() -> list[tuple[str, Decimal]]:
    with (REPO / "seeds" / "tiers.csv").open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["rulebook_version"] == "2026.1"]
    return sorted(((row["tier"], Decimal(row["min_points"])) for row in rows), key=lambda t: t[1])


# --- the pages and their links ------------------------------------------------------------


def test_every_page_is_written_and_linked(published: Path, reports: Path) -> None:
    counts = dict(
        sql(published, "select period, count(*) from latest_rep_period_points group by 1")
    )
    for period in MONTHS:
        assert (reports / f"close-{period}.html").is_file()
        assert len(list((reports / "statements" / period).glob("*.html"))) == counts[period]
    assert (reports / "quarterly-2026-Q3.html").is_file()
    index = Page(reports / "index.html")
    for period in MONTHS:
        assert f"close-{period}.html" in index.urls
    assert "quarterly-2026-Q3.html" in index.urls
    assert len([url for url in index.urls if url.startswith("statements/")]) == sum(counts.values())


def test_pages_are_offline_escaped_utf8_html(reports: Path) -> None:
    for path in sorted(reports.rglob("*.html")):
        page = Page(path)
        assert '<meta charset="utf-8">' in page.source, path
        assert not page.tags & {"script", "link", "img", "iframe", "object"}, path
        assert "<script" not in page.source.lower() and "url(" not in page.source, path
        for url in page.urls:
            assert ":" not in url and not url.startswith("/"), (path, url)
            assert (path.parent / url.split("#")[0]).resolve().is_file(), (path, url)


def test_same_data_gives_the_same_bytes(published: Path, reports: Path, tmp_path: Path) -> None:
    again = render_reports(published, tmp_path)
    assert {p.relative_to(tmp_path) for p in again} == {
        p.relative_to(reports) for p in reports.rglob("*.html")
    }
    for path in again:
        assert path.read_bytes() == (reports / path.relative_to(tmp_path)).read_bytes(), path


def test_periods_filter_and_errors(published: Path, tmp_path: Path) -> None:
    written = render_reports(published, tmp_path, ["2026-08"])
    names = {p.name for p in written}
    assert {"close-2026-08.html", "quarterly-2026-Q3.html", "index.html"} <= names
    assert not (tmp_path / "close-2026-07.html").exists()
    index = Page(tmp_path / "index.html")
    assert "close-2026-08.html" in index.urls and "close-2026-07.html" not in index.urls
    with pytest.raises(ValueError, match="not published"):
        render_reports(published, tmp_path, ["2026-10"])
    with pytest.raises(FileNotFoundError):
        render_reports(tmp_path / "nothing.duckdb", tmp_path)


# --- the close report ---------------------------------------------------------------------


def test_leaderboard_matches_latest_rep_period_points(published: Path, reports: Path) -> None:
    for period in MONTHS:
        expected = sql(
            published,
            "select company_rank, rep_id, rep_name, team_id, total_points, tier "
            "from latest_rep_period_points where period = ? order by company_rank, rep_id",
            [period],
        )
        page = Page(reports / f"close-{period}.html")
        shown = page.rows("company-leaderboard")
        top = expected[0]
        assert shown[0][:4] == [str(top[0]), top[1], top[2], top[3]]
        assert dec(shown[0][4]) == top[4]
        assert page.text("kpi-top") == f"{top[2]} · {num(top[4])}"
        assert [(int(r[0]), r[1], dec(r[4]), r[5] if r[5] != "–" else None) for r in shown] == [
            (e[0], e[1], e[4], e[5]) for e in expected
        ]


def test_ties_share_a_rank(reports: Path) -> None:
    """2026-09 of seed 5 has two reps on 3,340.00: both rank 1, the next rep is 3."""
    ranks = [
        int(row[0]) for row in Page(reports / "close-2026-09.html").rows("company-leaderboard")
    ]
    assert ranks[:3] == [1, 1, 3]


def test_team_leaderboards(published: Path, reports: Path) -> None:
    period = "2026-08"
    page = Page(reports / f"close-{period}.html")
    teams = sql(
        published,
        "select team_id, list((team_rank, rep_id, total_points) order by team_rank, rep_id) "
        "from latest_rep_period_points where period = ? group by team_id order by team_id",
        [period],
    )
    assert [key for key in page.tables if key.startswith("team-")] == [
        f"team-{t}" for t, _ in teams
    ]
    for team_id, members in teams:
        shown = page.rows(f"team-{team_id}")
        assert [(int(r[0]), r[1], dec(r[3])) for r in shown] == [tuple(m) for m in members]


def test_tiers_rules_and_reward_cost(published: Path, reports: Path) -> None:
    for period in MONTHS:
        page = Page(reports / f"close-{period}.html")
        tiers = dict(
            sql(
                published,
                "select coalesce(tier, 'no tier'), count(*) from latest_rep_period_points "
                "where period = ? group by 1",
                [period],
            )
        )
        shown = {row[0]: int(row[2]) for row in page.rows("tier-distribution")}
        assert {k: v for k, v in shown.items() if v} == tiers
        rules = dict(
            sql(
                published,
                "select rule_id, sum(points) from latest_points_ledger where period = ? group by 1",
                [period],
            )
        )
        assert {row[0]: dec(row[3]) for row in page.rows("points-by-rule")} == rules
        cost = sql(
            published,
            "select tier, count(*), sum(cash_value) from latest_reward_list "
            "where period = ? group by tier",
            [period],
        )
        shown_cost = {row[0]: (int(row[2]), dec(row[3])) for row in page.rows("reward-cost")}
        assert shown_cost == {tier: (count, total) for tier, count, total in cost}
        total = sql(
            published, "select sum(cash_value) from latest_reward_list where period = ?", [period]
        )[0][0]
        assert dec(page.text("reward-total")) == total == dec(page.text("kpi-reward-cost"))


def test_changes_against_the_previous_period(published: Path, reports: Path) -> None:
    totals = {
        (period, rep): (total, rank_, tier)
        for period, rep, total, rank_, tier in sql(
            published,
            "select period, rep_id, total_points, company_rank, tier from latest_rep_period_points",
        )
    }
    page = Page(reports / "close-2026-08.html")
    rows = page.rows("changes-table")
    assert {row[0] for row in rows} == {rep for (p, rep) in totals if p in MONTHS[:2]}
    for row in rows:
        before, now = totals.get(("2026-07", row[0])), totals.get(("2026-08", row[0]))
        if before and now:
            assert dec(row[5]) == now[0] - before[0]
            assert row[5] == signed(now[0] - before[0])
            assert int(row[8]) == before[1] - now[1]
        else:
            assert row[11] == ("new" if now else "left")
    assert "nothing to compare" in Page(reports / "close-2026-07.html").source


def test_quarantine_summary(published: Path, reports: Path) -> None:
    total = sql(published, "select count(*) from quarantine")[0][0]
    dated = dict(
        sql(
            published,
            "select strftime(d, '%Y-%m'), count(*) from (select try_strptime(coalesce("
            "json_extract_string(raw, '$.txn_date'), json_extract_string(raw, '$.survey_date'), "
            "json_extract_string(raw, '$.redeemed_date')), "
            "'%Y-%m-%d') as d from quarantine) where d is not null group by 1",
        )
    )
    for period in MONTHS:
        page = Page(reports / f"close-{period}.html")
        assert int(page.text("quarantine-total")) == total
        assert int(page.text("quarantine-in-period")) == dated.get(period, 0)
        assert sum(int(row[2]) for row in page.rows("quarantine-summary")) == total
        assert len(page.rows("quarantine-rows")) == dated.get(period, 0)


def test_publication_record(published: Path, reports: Path) -> None:
    for period, version, fingerprint, content, rulebook in sql(
        published,
        "select period, version, input_fingerprint, content_hash, rulebook_version "
        "from latest_publications",
    ):
        record = dict(Page(reports / f"close-{period}.html").rows("publication"))
        assert record["Version"] == str(version)
        assert record["Input fingerprint"] == fingerprint
        assert record["Content hash"] == content
        assert record["Rule book"] == rulebook


# --- statements ---------------------------------------------------------------------------


def test_statement_lines_sum_to_the_total_shown(published: Path, reports: Path) -> None:
    expected = {
        (period, rep): (total, count)
        for period, rep, total, count in sql(
            published,
            "select p.period, p.rep_id, p.total_points, count(l.line_id) "
            "from latest_rep_period_points p left join latest_points_ledger l "
            "on l.period = p.period and l.rep_id = p.rep_id group by all",
        )
    }
    checked = 0
    for (period, rep), (total, count) in sorted(expected.items()):
        page = Page(reports / "statements" / period / f"{rep}.html")
        lines = [dec(row[-1]) for row in page.rows("ledger", kind="line")]
        assert len(lines) == count
        assert sum(lines, Decimal(0)) == dec(page.text("ledger-total")) == dec(page.text("total"))
        assert dec(page.text("total")) == total
        subtotals = [dec(row[-1]) for row in page.rows("ledger", kind="sub")]
        assert sum(subtotals, Decimal(0)) == total
        checked += 1
    assert checked == len(expected) > 100


def test_statement_rule_subtotals_ranks_and_reward(published: Path, reports: Path) -> None:
    period, rep = "2026-08", "R028"
    page = Page(reports / "statements" / period / f"{rep}.html")
    subtotals = {row[0].split()[1]: dec(row[-1]) for row in page.rows("ledger", kind="sub")}
    assert subtotals == dict(
        sql(
            published,
            "select rule_id, points from latest_rep_period_rule_points "
            "where period = ? and rep_id = ?",
            [period, rep],
        )
    )
    tier, reward, cash, company, team = sql(
        published,
        "select p.tier, r.reward, r.cash_value, p.company_rank, p.team_rank "
        "from latest_rep_period_points p left join latest_reward_list r using (period, rep_id) "
        "where p.period = ? and p.rep_id = ?",
        [period, rep],
    )[0]
    assert (page.text("tier"), page.text("reward"), dec(page.text("cash-value"))) == (
        tier,
        reward,
        cash,
    )
    assert page.text("company-rank").startswith(f"{company} of ")
    assert page.text("team-rank").startswith(f"{team} of ")


def test_statement_says_what_the_next_tier_takes(published: Path, reports: Path) -> None:
    ladder = seed_tiers()
    for period, rep, total in sql(
        published, "select period, rep_id, total_points from latest_rep_period_points"
    ):
        text = Page(reports / "statements" / period / f"{rep}.html").text("next-tier")
        above = [(name, floor) for name, floor in ladder if floor > total]
        if above:
            name, floor = above[0]
            assert text.startswith(f"{num(floor - total)} more points reach {name} "), text
            assert f"from {num(floor)} points" in text
        else:
            assert text == f"The highest tier, {ladder[-1][0]}, is reached."


# --- quarterly ----------------------------------------------------------------------------


def test_quarterly_totals_and_ranks(published: Path, reports: Path) -> None:
    monthly = {
        (rep, period): (total, team)
        for rep, period, total, team in sql(
            published, "select rep_id, period, total_points, team_id from latest_rep_period_points"
        )
    }
    page = Page(reports / "quarterly-2026-Q3.html")
    assert [row[1].split(" ")[0] for row in page.rows("months")] == ["included"] * 3
    rows = page.rows("quarterly")
    assert {row[2] for row in rows} == {rep for rep, _ in monthly}
    totals = {row[2]: dec(row[-1]) for row in rows}
    teams = {rep: monthly[(rep, max(p for r, p in monthly if r == rep))][1] for rep in totals}
    for row in rows:
        rep = row[2]
        months = [monthly.get((rep, period)) for period in MONTHS]
        assert totals[rep] == sum((m[0] for m in months if m), Decimal(0))
        assert [dec(cell) if cell != "–" else None for cell in row[5:8]] == [
            m[0] if m else None for m in months
        ]
        assert int(row[0]) == rank(list(totals.values()), totals[rep])
        mates = [totals[other] for other in totals if teams[other] == teams[rep]]
        assert (row[4], int(row[1])) == (teams[rep], rank(mates, totals[rep]))


def test_large_periods_list_the_top_of_each_table_and_say_so(
    published: Path, reports: Path, tmp_path: Path
) -> None:
    """Above the listing limit a page shows the first rows of each per-rep table, says how many
    there are, and every count, total and reward cost still covers every rep."""
    period, limit = "2026-08", 3
    render_reports(published, tmp_path, [period], statements=True, listing_limit=limit)
    full, cut = Page(reports / f"close-{period}.html"), Page(tmp_path / f"close-{period}.html")
    reps = sql(
        published,
        "select count(*), count(distinct team_id) from latest_rep_period_points where period = ?",
        [period],
    )[0]
    assert reps[0] > limit and reps[1] > 1
    assert cut.rows("company-leaderboard") == full.rows("company-leaderboard")[:limit]
    assert cut.rows("changes-table") == full.rows("changes-table")[:limit]
    notes = [" ".join(note.split()) for note in cut.source.split('class="note listing-cut">')[1:]]
    assert notes[0].startswith(f"Showing the first {limit} of {reps[0]} reps, best rank first.")
    assert any(n.startswith(f"Showing the first {limit} of {reps[1]} teams") for n in notes)
    assert "latest_rep_period_points" in notes[0]
    # no per-team tables: one line per team with its size, points and leader
    assert not [key for key in cut.tables if key.startswith("team-") and key != "team-summary"]
    teams = sql(
        published,
        "select team_id, count(*), sum(total_points), arg_min(rep_id, (team_rank, rep_id)) "
        "from latest_rep_period_points where period = ? group by team_id order by team_id",
        [period],
    )[:limit]
    assert [(r[0], int(r[1]), dec(r[2]), r[3].split(" ")[0]) for r in cut.rows("team-summary")] == [
        (team, size, points, leader) for team, size, points, leader in teams
    ]
    for element in ("kpi-reps", "kpi-points", "kpi-tiered", "kpi-reward-cost", "reward-total"):
        assert cut.text(element) == full.text(element)
    assert cut.rows("tier-distribution") == full.rows("tier-distribution")
    assert full.source.count("listing-cut") == 0  # below the limit nothing is cut
    quarter = Page(tmp_path / "quarterly-2026-Q3.html")
    assert len(quarter.rows("quarterly")) == limit
    assert quarter.rows("quarterly", "tfoot") == Page(reports / "quarterly-2026-Q3.html").rows(
        "quarterly", "tfoot"
    )
    index = Page(tmp_path / "index.html").source
    assert f"{period} · {reps[0]} statements" in index
    assert f"Showing the first {limit} of {reps[0]} statements" in " ".join(index.split())


# --- optional provisional table, RANK ties in a quarter, escaping ---------------------------


@pytest.fixture(scope="module")
def altered(published: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A copy of the readers' copy with provisional figures, a quarterly tie and a nasty name."""
    db = tmp_path_factory.mktemp("altered") / "published.duckdb"
    shutil.copy(published, db)
    con = duckdb.connect(str(db))
    # The quarter's 3rd rep catches up with the 2nd: both must rank 2, the next 4.
    second, third = con.execute(
        "select rep_id, sum(total_points) from latest_rep_period_points "
        "group by 1 order by 2 desc, 1 limit 2 offset 1"
    ).fetchall()
    con.execute(
        "update rep_period_points set total_points = total_points + ? "
        "where period = '2026-09' and rep_id = ?",
        [second[1] - third[1], third[0]],
    )
    con.execute("drop table if exists provisional_rep_points")  # the pipeline's own is empty
    con.execute(
        "create table provisional_rep_points as "
        "select period, timestamp '2026-09-20 07:00:00' as as_of, rep_id, rep_name, team_id, "
        "total_points - 10 as total_points, tier, company_rank, team_rank "
        "from latest_rep_period_points where period = '2026-09' and rep_id <> 'R041' "
        "union all select period, timestamp '2026-09-10 07:00:00', rep_id, rep_name, team_id, "
        "1, null, 1, 1 "
        "from latest_rep_period_points where period = '2026-09'"
    )
    con.execute(
        "update rep_period_points set rep_name = '<script>alert(1)</script> & 李' "
        "where rep_id = 'R001'"
    )
    con.close()
    out = tmp_path_factory.mktemp("altered-out")
    render_reports(db, out)
    return db, out


def test_provisional_against_final(altered: tuple[Path, Path], reports: Path) -> None:
    db, out = altered
    page = Page(out / "close-2026-09.html")
    assert "as of 2026-09-20 07:00:00 UTC" in page.source
    rows = {row[0]: row for row in page.rows("provisional-table")}
    final = dict(
        sql(
            db, "select rep_id, total_points from latest_rep_period_points where period = '2026-09'"
        )
    )
    assert set(rows) == set(final)
    for rep, total in final.items():
        if rep == "R041":  # not in the newest provisional figures
            assert rows[rep][2] == "–" and rows[rep][4] == "–"
        else:
            assert (dec(rows[rep][2]), dec(rows[rep][3]), dec(rows[rep][4])) == (
                total - 10,
                total,
                Decimal(10),
            )
    assert "provisional-table" not in Page(reports / "close-2026-09.html").tables


def test_quarterly_tie_uses_rank_semantics(altered: tuple[Path, Path]) -> None:
    _, out = altered
    ranks = [int(row[0]) for row in Page(out / "quarterly-2026-Q3.html").rows("quarterly")]
    assert ranks[:4] == [1, 2, 2, 4]


def test_data_is_escaped(altered: tuple[Path, Path]) -> None:
    _, out = altered
    source = (out / "statements" / "2026-08" / "R001.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 李" in source
    for path in out.rglob("*.html"):
        assert "<script" not in path.read_text(encoding="utf-8"), path


def test_formatting_is_decimal_exact() -> None:
    assert num(Decimal("1234567.5")) == "1,234,567.50"
    assert num(Decimal("-0.00")) == "0.00"
    assert num(Decimal("9999999999999999.99")) == "9,999,999,999,999,999.99"
    assert signed(Decimal("12")) == "+12.00" and signed(-3) == "-3" and signed(0) == "0"
    assert num(None) == "–" and num(1234) == "1,234"


def test_quarantine_rows_are_dated_by_their_own_date() -> None:
    assert period_of('{"txn_date": "2026-08-31"}') == "2026-08"
    assert period_of('{"survey_date": "2026-09-01"}') == "2026-09"
    assert period_of('{"txn_date": "2026-02-30"}') is None
    assert period_of('{"rep_id": "R001"}') is None
    assert period_of("not json") is None


# --- a real headless browser --------------------------------------------------------------


def test_browser_reports_console_errors(browser: Chromium, tmp_path: Path) -> None:
    """The detector itself: a deliberate console.error and a missing file are both caught."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<!doctype html><meta charset="utf-8"><p>x</p><img src="missing.png">'
        '<script>console.log("fine"); console.error("deliberate");</script>',
        encoding="utf-8",
    )
    browser.load(page.as_uri())
    problems = browser.problems()
    assert any(p == "console: deliberate" for p in problems), problems
    assert any("ERR_FILE_NOT_FOUND" in p and "missing.png" in p for p in problems), problems
    assert not any("fine" in p for p in problems)


def test_reports_render_in_a_real_browser(
    chromium: Path, browser: Chromium, published: Path, reports: Path
) -> None:
    """``chromium`` first: a missing browser skips before three closes are run for nothing."""
    ARTIFACTS.mkdir(exist_ok=True)
    period = "2026-09"
    rep, name, total = sql(
        published,
        "select rep_id, rep_name, total_points from latest_rep_period_points "
        "where period = ? order by company_rank, rep_id limit 1",
        [period],
    )[0]
    cost = sql(
        published, "select sum(cash_value) from latest_reward_list where period = ?", [period]
    )
    pages = {
        reports / f"close-{period}.html": [name, num(total), num(cost[0][0]), "Points by rule"],
        reports / "statements" / period / f"{rep}.html": [name, num(total), "Subtotal SALES"],
    }
    for path, expected in pages.items():
        browser.load(path.as_uri())
        assert browser.problems() == [], path
        assert all(url.startswith("file://") for url in browser.requests()), browser.requests()
        assert browser.evaluate("document.characterSet") == "UTF-8"
        text = str(browser.evaluate("document.body.innerText"))
        for wanted in expected:
            assert wanted in text, (path.name, wanted)
        widths = browser.evaluate(
            "[...document.querySelectorAll('svg')].map(s => s.getBoundingClientRect().width)"
        )
        assert all(width > 100 for width in widths), widths
        shot = ARTIFACTS / f"report-{path.relative_to(reports).as_posix().replace('/', '-')}"
        browser.screenshot(shot.with_suffix(".png"))
        assert shot.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- a workspace's own rule book ------------------------------------------------------------


@pytest.fixture(scope="module")
def book_reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, Path]:
    """September 2026 closed under the workspace's rule book 2026.2 (a SPIFF, an SDR rule, a
    manual adjustment, its own tiers): see test_audit.build_rulebook_workspace."""
    from test_audit import build_rulebook_workspace

    ws = build_rulebook_workspace(tmp_path_factory.mktemp("book-reports") / "home")
    out = tmp_path_factory.mktemp("book-out")
    render_reports(ws.published_db, out)
    return ws, out


def workspace_rules(ws: Workspace, version: str) -> dict[str, tuple[str, str]]:
    with (ws.seeds / "rules.csv").open(encoding="utf-8") as handle:
        return {
            row["rule_id"]: (row["kind"], row["description"])
            for row in csv.DictReader(handle)
            if row["rulebook_version"] == version
        }


def test_reports_show_the_rules_present_with_the_workspace_descriptions(
    book_reports: tuple[Workspace, Path],
) -> None:
    ws, out = book_reports
    described = workspace_rules(ws, "2026.2")
    assert (
        "ENT_SPIFF" in described and "ENT_SPIFF" not in (REPO / "seeds" / "rules.csv").read_text()
    )
    page = Page(out / "close-2026-09.html")
    shown = page.rows("points-by-rule")
    present = dict(
        sql(
            ws.published_db,
            "select rule_id, sum(points) from latest_rep_period_rule_points "
            "where period = '2026-09' group by 1",
        )
    )
    assert {row[0]: dec(row[3]) for row in shown} == present
    assert {"ENT_SPIFF", "SDR_SALES", "MANUAL_ADJUSTMENT"} <= set(present)
    # ordered by kind as the contract orders 2026.1, then the pipeline's own lines
    assert [row[0] for row in shown] == [
        "SALES",
        "SDR_SALES",
        "ENT_SPIFF",
        "NEW_CUSTOMER",
        "SATISFACTION",
        "SALES_CAP",
        "QUALITY_GATE",
        "TEAM_BONUS",
        "MANUAL_ADJUSTMENT",
    ]
    for row in shown:
        if row[0] in described:
            kind, description = described[row[0]]
            assert row[4] == f"{kind}: {description}", row
    assert shown[-1][4].startswith("manual_adjustment: ")
    # the tiers of the rule book in effect on 2026-09-01, from the workspace's seeds
    floors = {row[0]: row[1] for row in page.rows("tier-distribution")}
    assert (dec(floors["bronze"]), dec(floors["silver"])) == (Decimal(10), Decimal(60))
    assert "Thresholds of rule book 2026.2." in page.source
    # a statement groups its lines by those rules, with their descriptions
    statement = Page(out / "statements" / "2026-09" / "R2.html")
    groups = [row[0] for row in statement.rows("ledger", kind="group")]
    assert groups[:2] == [
        f"SALES — {described['SALES'][1]}",
        f"SDR_SALES — {described['SDR_SALES'][1]}",
    ]
    total = sql(
        ws.published_db,
        "select total_points from latest_rep_period_points where period = '2026-09' "
        "and rep_id = 'R2'",
    )[0][0]
    text = statement.text("next-tier")
    if total < 60:
        assert text.startswith(f"{num(Decimal(60) - total)} more points reach silver "), text
    else:
        assert text == "The highest tier, silver, is reached."


def test_rulebook_reads_the_seeds_it_is_given(book_reports: tuple[Workspace, Path]) -> None:
    from orchestration.reports import rulebook

    ws, _ = book_reports
    assert rulebook.governing_version("2026.1,2026.2", "2026-09", ws) == "2026.2"
    assert rulebook.governing_version("2026.1,2026.2", "2026-07", ws) == "2026.1"
    assert [t.min_points for t in rulebook.tiers("2026.2", ws)] == [Decimal(10), Decimal(60)]
    assert rulebook.tiers("2026.2", ws.seeds) == rulebook.tiers("2026.2", ws)
    assert rulebook.tiers("2026.2") == []  # the repository's seeds know no 2026.2
    assert rulebook.seeds_of_published(ws.published_db) == ws.seeds
    empty = Workspace.at(ws.home.parent / "never-closed")
    assert rulebook.seeds_dir(empty) == REPO / "seeds"
    catalog = rulebook.rules("2026.1,2026.2", "2026.2", ws)
    assert catalog["SALES"].description == workspace_rules(ws, "2026.2")["SALES"][1]
    assert catalog["ENT_SPIFF"].kind == "spiff"
