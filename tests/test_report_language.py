"""A rule book may name its program's language (``language: zh|en``): the reports' default when
neither ``--lang`` nor ``$JIFEN_LANG`` is given, for ``jifen report`` and the close alike; a
value other than zh or en is refused by ``jifen rules check`` with its line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestration.cli import app
from orchestration.defs.launch import run_close
from orchestration.generate import generate
from orchestration.lib.workspace import Workspace
from orchestration.reports import i18n
from orchestration.rulebooks.language import program_language
from orchestration.rulebooks.layout import REPO_RULEBOOKS
from orchestration.rulebooks.model import BOOK_LANGUAGES

PERIOD = "2026-07"
HTML_LANG = re.compile(r'<html lang="([^"]+)">')
runner = CliRunner()


def sales_book(version: str, effective_from: str, language: str | None) -> str:
    """The default sales book as a new version; ``language`` added after its currency."""
    text = (REPO_RULEBOOKS / "2026.1.yaml").read_text(encoding="utf-8")
    text = text.replace('version: "2026.1"', f'version: "{version}"', 1)
    text = text.replace("effective_from: 2000-01-01", f"effective_from: {effective_from}", 1)
    if language is not None:
        text = text.replace("currency: CNY\n", f"currency: CNY\nlanguage: {language}\n", 1)
    return text


def put_book(workspace: Workspace, version: str, text: str) -> Path:
    workspace.rulebooks.mkdir(parents=True, exist_ok=True)
    path = workspace.rulebooks / f"{version}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def page_language(path: Path) -> str:
    found = HTML_LANG.search(path.read_text(encoding="utf-8"))
    assert found, f"{path} has no <html lang>"
    return found.group(1)


@pytest.fixture(scope="module")
def closed(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A workspace whose live sales book for July names ``language: zh``, with July closed
    (no --lang and no $JIFEN_LANG: the close's own reports follow the book)."""
    ws = Workspace.at(tmp_path_factory.mktemp("report-lang") / "home").prepare()
    put_book(ws, "2026.7", sales_book("2026.7", "2026-07-01", "zh"))
    generate(ws.home, seed=5, months=[PERIOD])
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(i18n.LANG_ENV, raising=False)
        run = run_close(ws, PERIOD, error_budget=0.5)
    assert run.success, run.errors
    return ws


def report(ws: Workspace, *options: str, env: dict[str, str] | None = None):
    result = runner.invoke(app, ["report", "--home", str(ws.home), *options], env=env)
    assert result.exit_code == 0, result.output
    return ws.reports_dir / f"close-{PERIOD}.html"


def test_the_close_and_jifen_report_default_to_the_books_language(closed, monkeypatch):
    monkeypatch.delenv(i18n.LANG_ENV, raising=False)
    page = closed.reports_dir / f"close-{PERIOD}.html"
    assert page_language(page) == "zh-CN"  # written by the close's report step
    page.unlink()
    page = report(closed)
    assert page_language(page) == "zh-CN"
    title = i18n.catalogue("zh")["Close report %(period)s"] % {"period": "2026年7月"}
    assert title in page.read_text(encoding="utf-8")
    assert page_language(closed.reports_dir / "index.html") == "zh-CN"


def test_lang_option_overrides_the_book(closed, monkeypatch):
    monkeypatch.delenv(i18n.LANG_ENV, raising=False)
    page = report(closed, "--lang", "en")
    assert page_language(page) == "en"
    assert f"Close report {PERIOD}" in page.read_text(encoding="utf-8")


def test_the_environment_overrides_the_book(closed):
    page = report(closed, env={i18n.LANG_ENV: "en"})
    assert page_language(page) == "en"
    page = report(closed, "--lang", "zh", env={i18n.LANG_ENV: "en"})  # --lang before both
    assert page_language(page) == "zh-CN"


def test_the_book_in_effect_for_the_period_decides(tmp_path: Path):
    ws = Workspace.at(tmp_path / "home")
    assert program_language(ws, PERIOD) == ""  # the shipped books name none: English
    put_book(ws, "2026.8", sales_book("2026.8", "2026-08-01", "zh"))
    assert program_language(ws, PERIOD) == ""  # July still follows 2026.1
    assert program_language(ws, "2026-08") == "zh"
    assert program_language(ws) == "zh"  # no period: the newest live book
    put_book(ws, "2026.9", sales_book("2026.9", "2026-09-01", "en"))
    assert program_language(ws, "2026-10") == "en"


def test_the_precedence_option_environment_book_english(monkeypatch):
    monkeypatch.delenv(i18n.LANG_ENV, raising=False)
    assert i18n.language(book="") == "en"
    assert i18n.language(book="zh") == "zh"
    assert i18n.language("en", book="zh") == "en"
    monkeypatch.setenv(i18n.LANG_ENV, "en")
    assert i18n.language(book="zh") == "en"


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    ("version", "text"),
    [
        ("2026.7", sales_book("2026.7", "2026-07-01", "fr")),
        (
            "loyalty-2026.7",
            (REPO_RULEBOOKS / "loyalty-2026.1.yaml")
            .read_text(encoding="utf-8")
            .replace('"loyalty-2026.1"', '"loyalty-2026.7"')
            .replace("effective_from: 2000-01-01", "effective_from: 2026-07-01")
            .replace("program: loyalty\n", "program: loyalty\nlanguage: fr\n"),
        ),
    ],
    ids=["sales", "loyalty"],
)
def test_rules_check_refuses_an_unknown_language_with_its_line(tmp_path: Path, version, text):
    path = tmp_path / f"{version}.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["rules", "check", str(path), "--home", str(tmp_path / "home")])
    assert result.exit_code == 1, result.output
    line = line_of(text, "language: fr")
    assert f"line {line} (language):" in result.output
    assert "the language 'fr'; reports are written in en or zh" in result.output


@pytest.mark.parametrize("language", ["zh", "en"])
def test_rules_check_accepts_either_language(tmp_path: Path, language):
    path = tmp_path / "2026.7.yaml"
    path.write_text(sales_book("2026.7", "2026-07-01", language), encoding="utf-8")
    result = runner.invoke(app, ["rules", "check", str(path), "--home", str(tmp_path / "home")])
    assert result.exit_code == 0, result.output


def test_a_book_may_name_exactly_the_languages_the_reports_are_written_in():
    assert set(BOOK_LANGUAGES) == set(i18n.LANGUAGES)
