"""Offline GX Data Docs: real GX content, no external URL, renders in a headless browser."""

from __future__ import annotations

import subprocess
from html.parser import HTMLParser

import pandas as pd
import pytest
from browser import HEADLESS_FLAGS, chromium_or_skip

from orchestration.gate.datadocs import write_data_docs
from orchestration.gate.record import as_stored, load, save

FAILING = "expect_column_pair_values_to_be_equal"


@pytest.fixture(scope="module")
def results():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas("candidate")
        .add_dataframe_asset("tiny")
        .add_batch_definition_whole_dataframe("all")
    )
    suite = context.suites.add(gx.ExpectationSuite(name="tiny_suite"))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column="a"))
    suite.add_expectation(
        gx.expectations.ExpectColumnPairValuesToBeEqual(column_A="a", column_B="b")
    )
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name="tiny_gate", data=batch, suite=suite)
    )
    frame = pd.DataFrame({"a": [1, 2, 3], "b": [1, 2, 4]})
    return [validation.run(batch_parameters={"dataframe": frame})]


class _Urls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.urls += [(tag, v or "") for k, v in attrs if k in ("src", "href")]


def _external_urls(html: str) -> list[tuple[str, str]]:
    parser = _Urls()
    parser.feed(html)
    return [(t, u) for t, u in parser.urls if u.lower().startswith(("http:", "https:", "//"))]


def test_writes_offline_site(results, tmp_path):
    index = write_data_docs(results, tmp_path / "docs", "Period 2025-01")
    assert index == tmp_path / "docs" / "index.html"
    pages = sorted(p.name for p in index.parent.glob("*.html"))
    assert pages == ["index.html", "tiny_suite.html"]

    html = index.read_text(encoding="utf-8")
    assert "Data Docs" in html and FAILING in html
    assert "FAILED" in html and "passed" in html
    page = (index.parent / "tiny_suite.html").read_text(encoding="utf-8")
    assert "must always be equal" in page and "Failed" in page and "\u2718" in page
    assert 'href="index.html"' in page  # navbar "home" points at our index

    for path in index.parent.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert _external_urls(text) == [], path.name
        assert "<script src" not in text and "<link" not in text


def test_deterministic(results, tmp_path):
    one = write_data_docs(results, tmp_path / "one", "P").parent
    two = write_data_docs(results, tmp_path / "two", "P").parent
    for path in one.glob("*.html"):
        assert path.read_bytes() == (two / path.name).read_bytes(), path.name


def test_a_gate_record_renders_the_same_pages_later(results, tmp_path):
    """The gate renders a failure's Data Docs at once; the reports render a passed gate's from
    its record, in a later step or run: the same results give the same bytes either way."""
    checked = [as_stored(result) for result in results]
    record = load(save(tmp_path / "gate.json", "run-1", 2, checked))
    now = write_data_docs(checked, tmp_path / "now", "P").parent
    later = write_data_docs(record.validations, tmp_path / "later", "P").parent
    pages = sorted(path.name for path in now.glob("*.html"))
    assert (
        pages
        == sorted(path.name for path in later.glob("*.html"))
        == [
            "index.html",
            "tiny_suite.html",
        ]
    )
    for name in pages:
        assert (now / name).read_bytes() == (later / name).read_bytes(), name
    assert "\u00b7 run 20" in (later / "index.html").read_text(encoding="utf-8")  # run time kept


def test_renders_in_headless_chromium(results, tmp_path):
    binary = chromium_or_skip()
    index = write_data_docs(results, tmp_path / "docs", "P")
    for page in (index, index.parent / "tiny_suite.html"):
        dom = subprocess.run(
            [
                binary,
                *HEADLESS_FLAGS,
                f"--user-data-dir={tmp_path / 'profile'}",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
        assert ("must always be equal" if page.name != "index.html" else FAILING) in dom
