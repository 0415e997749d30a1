"""Reports in Chinese and English: the catalogue covers every text, numbers and dates follow the
language, and both languages' pages render in a real browser with CJK glyphs and no overflow."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser import Chromium

from orchestration.defs.launch import run_close
from orchestration.generate import generate
from orchestration.lib.workspace import Workspace
from orchestration.reports import fmt, i18n, render_reports
from orchestration.reports.pages import TEMPLATES, environment

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
MONTHS = ["2026-07", "2026-08"]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def template_texts() -> set[str]:
    """Every text a template marks for translation (the English message ids)."""
    env = environment(i18n.DEFAULT)
    found = set(i18n.DYNAMIC)
    for path in TEMPLATES.glob("*.html"):
        for _line, _function, message in env.extract_translations(path.read_text("utf-8")):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found - {None}  # ``_(chart.title)``: looked up from data, listed in ``DYNAMIC``


def test_every_text_of_every_template_has_a_chinese_translation():
    texts, zh = template_texts(), i18n.catalogue("zh")
    assert sorted(texts - set(zh)) == []  # add them to orchestration/reports/messages/zh.yaml
    assert sorted(set(zh) - texts) == []  # a text no template uses any more
    for text, translated in zh.items():
        assert set(PLACEHOLDER.findall(translated)) == set(PLACEHOLDER.findall(text)), text
        assert translated.count("<") == text.count("<"), text  # same markup


def test_the_language_comes_from_the_option_else_the_environment(monkeypatch):
    monkeypatch.delenv(i18n.LANG_ENV, raising=False)
    assert i18n.language() == "en"
    monkeypatch.setenv(i18n.LANG_ENV, "zh")
    assert i18n.language() == "zh"
    assert i18n.language("en") == "en"
    assert i18n.language("zh-CN") == "zh"
    with pytest.raises(ValueError, match="--lang='fr'.*en or zh"):
        i18n.language("fr")
    monkeypatch.setenv(i18n.LANG_ENV, "de")
    with pytest.raises(ValueError, match="JIFEN_LANG='de'"):
        i18n.language()


def test_numbers_and_dates_follow_the_language():
    amount = Decimal("1234567.5")
    assert fmt.num(amount, "en") == f"{amount:,.2f}"  # English pages as before
    assert fmt.num(amount, "zh") == "1,234,567.50"  # CLDR zh: the same grouping and point
    assert fmt.signed(Decimal("-3.5"), "zh") == "-3.50" and fmt.signed(2, "zh") == "+2"
    moment = datetime(2026, 8, 3, 9, 5, 7)
    assert i18n.moment(moment, "en") == str(moment)
    assert i18n.moment(moment, "zh") == "2026年8月3日 09:05:07"
    assert i18n.period_name("2026-08", "zh") == "2026年8月"
    assert i18n.period_name("2026-08", "en") == "2026-08"


# --- the pages of a closed workspace in both languages --------------------------------------


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    ws = Workspace.at(tmp_path_factory.mktemp("i18n") / "home").prepare()
    generate(ws.home, seed=5, months=MONTHS)
    for period in MONTHS:
        run = run_close(ws, period, error_budget=0.5)
        assert run.success, run.errors
    out = {}
    for lang in ("en", "zh"):
        out[lang] = tmp_path_factory.mktemp(f"reports-{lang}")
        render_reports(ws.published_db, out[lang], lang=lang)
    return out


class Cells(HTMLParser):
    """The texts of the numeric cells (``td.n``), in page order, and the headings."""

    def __init__(self) -> None:
        super().__init__()
        self.numbers: list[str] = []
        self.headings: list[str] = []
        self.lang = ""
        self._into: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang", "")
        if tag == "td" and "n" in (attributes.get("class") or "").split():
            self._into = self.numbers
            self.numbers.append("")
        elif tag in ("h1", "h2"):
            self._into = self.headings
            self.headings.append("")

    def handle_endtag(self, tag):
        if tag in ("td", "h1", "h2"):
            self._into = None

    def handle_data(self, data):
        if self._into is not None:
            self._into[-1] += data


def parsed(path: Path) -> Cells:
    cells = Cells()
    cells.feed(path.read_text("utf-8"))
    return cells


PAGES = ["index.html", "close-2026-08.html", "quarterly-2026-Q3.html"]


def test_both_languages_show_the_same_figures_under_translated_headings(pages):
    statement = sorted((pages["en"] / "statements" / "2026-08").glob("*.html"))[0].name
    for name in [*PAGES, f"statements/2026-08/{statement}"]:
        en, zh = parsed(pages["en"] / name), parsed(pages["zh"] / name)
        assert (en.lang, zh.lang) == ("en", "zh-CN")
        assert zh.numbers == en.numbers, name  # CLDR zh groups and points as English does
        assert len(zh.headings) == len(en.headings) > 0
        for english, chinese in zip(en.headings, zh.headings, strict=True):
            assert english != chinese and re.search(r"[\u4e00-\u9fff]", chinese), (name, chinese)
    close = (pages["zh"] / "close-2026-08.html").read_text("utf-8")
    assert "2026年8月 结算报告" in close and "未读取的文件" in close


# --- a real headless browser ----------------------------------------------------------------

OVERFLOW = """(() => {
  const out = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) out.push(`page ${root.scrollWidth}`);
  for (const el of document.querySelectorAll('h1, h2, h3, p, caption, summary, .kpi, nav a')) {
    if (el.scrollWidth > el.clientWidth + 1) out.push(`${el.tagName}: ${el.textContent}`);
  }
  return out;
})()"""


def fonts_of(browser: Chromium, selector: str) -> list[dict]:
    """The platform fonts Chromium used to draw the text of ``selector``'s element."""
    browser.call("DOM.enable", session=True)
    browser.call("CSS.enable", session=True)
    root = browser.call("DOM.getDocument", session=True)["root"]["nodeId"]
    node = browser.call("DOM.querySelector", session=True, nodeId=root, selector=selector)
    return browser.call("CSS.getPlatformFontsForNode", session=True, nodeId=node["nodeId"])["fonts"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_both_languages_render_in_a_real_browser(chromium, browser: Chromium, pages, lang):
    ARTIFACTS.mkdir(exist_ok=True)
    folder = pages[lang]
    statement = sorted((folder / "statements" / "2026-08").glob("*.html"))[0]
    for path in [*(folder / name for name in PAGES), statement]:
        browser.load(path.as_uri())
        assert browser.problems() == [], path
        assert browser.evaluate(OVERFLOW) == [], (lang, path.name)
        if lang == "zh":
            heading = str(browser.evaluate("document.querySelector('h1').innerText"))
            cjk = len(re.findall(r"[\u4e00-\u9fff]", heading))
            fonts = fonts_of(browser, "h1")
            drawn = sum(f["glyphCount"] for f in fonts if "CJK" in f["familyName"])
            assert cjk and drawn >= cjk, (heading, fonts)  # no tofu: a CJK font drew them
        name = path.relative_to(folder).as_posix().replace("/", "-").removesuffix(".html")
        shot = ARTIFACTS / f"report-{lang}-{name}.png"
        browser.screenshot(shot)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
