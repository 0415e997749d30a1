"""Offline GX Data Docs for one publication's gate run.

The pages are real Data Docs (GX's ``ValidationResultsPageRenderer`` + ``DefaultJinjaPageView``),
but GX's templates pull bootstrap, jQuery, vega and font-awesome from CDNs. Nothing may be
fetched at run time, so the HTML is post-processed: external ``<link>``/``<script>`` are dropped
(GX's own ``data_docs_default_styles.css`` is already inlined by its page template), a small
stylesheet stands in for bootstrap, a jQuery-free shim keeps the "Failed only" filter working,
external links and images become plain text, icons get a text marker and GX's random element
ids become counters so identical results give identical bytes. ``index.html`` is our own
summary (every expectation with status, kwargs and observed/unexpected values) linking to
one GX page per validation result.
"""

from __future__ import annotations

import json
import re
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import jinja2
from markupsafe import Markup

_CSS = """
body{font-family:system-ui,sans-serif;margin:0;color:#222;line-height:1.4}
.navbar,.container-fluid,main{padding:.5rem 1.5rem}
.navbar{border-bottom:1px solid #ccc;height:auto!important}
.breadcrumb{list-style:none;display:flex;gap:.5rem;padding:0;margin:0}
.breadcrumb-item+.breadcrumb-item::before{content:"/ "}
table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #ccc;padding:.2rem .5rem;vertical-align:top;text-align:left}
.card{border:1px solid #ddd;border-radius:4px;margin:.5rem 0;padding:.5rem}
.badge{background:#eef;border-radius:3px;padding:0 .3em;font-family:monospace}
.text-danger,.jf-fail{color:#b00020;font-weight:600}.text-success,.jf-ok{color:#17702b}
.collapse{display:none}.collapse:target{display:block}
.btn{border:1px solid #888;border-radius:3px;padding:.1rem .4rem;cursor:pointer}
i[class*=fa-]{font-style:normal}code{font-size:.9em;word-break:break-all}
"""

# Replaces GX's jQuery functions behind the sidebar's "Show All" / "Failed Only" buttons.
_SHIM = """
function _jfShow(show){const d=show?"":"none";
document.querySelectorAll(".hide-succeeded-validation-target-child")
  .forEach(e=>e.parentElement.style.display=d);
document.querySelectorAll(".hide-succeeded-validation-target").forEach(e=>e.style.display=d);
document.querySelectorAll(".hide-succeeded-validations-column-section-target-child")
  .forEach(e=>e.parentElement.parentElement.style.display=d);}
function showAllValidations(){_jfShow(true)}
function hideSucceededValidations(){_jfShow(false)}
"""

_ICONS = {"fa-check": "\u2714", "fa-times": "\u2718", "fa-exclamation": "\u26a0"}

_INDEX = jinja2.Environment(autoescape=True).from_string("""<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>{{ title }} \u2014 Data Docs</title>
<style>{{ css|safe }}</style></head><body><main>
<h1>{{ title }} \u2014 Data Docs</h1>
<p>Gate: {{ mark(passed) }} \u00b7 {{ suites|length }} suite(s) \u00b7
{{ failed }} failed expectation(s) of {{ total }}</p>
{% for s in suites %}
<h2 id="{{ s.page }}">{{ s.name }} {{ mark(s.success) }}</h2>
<p><a href="{{ s.page }}">Full validation result</a>
{%- if s.run %} \u00b7 run {{ s.run }}{% endif %}</p>
<table><thead><tr><th>Status</th><th>Expectation</th><th>Kwargs</th>
<th>Observed / unexpected</th></tr></thead><tbody>
{% for e in s.rows %}<tr><td>{{ mark(e.success) }}</td><td><code>{{ e.type }}</code>
{%- if e.description %}<br>{{ e.description }}{% endif %}</td>
<td><code>{{ e.kwargs }}</code></td><td><code>{{ e.observed }}</code></td></tr>
{% endfor %}</tbody></table>
{% endfor %}
</main></body></html>
""")


def _mark(ok: bool) -> str:
    return Markup(
        '<span class="jf-ok">\u2714 passed</span>'
        if ok
        else '<span class="jf-fail">\u2718 FAILED</span>'
    )


def _external(url: str | None) -> bool:
    return bool(url) and url.strip().lower().startswith(("http:", "https:", "//"))


class _Offline(HTMLParser):
    """Re-emits GX page HTML with everything that would touch the network removed."""

    _DROP = {"script", "title", "footer"}  # dropped with their content

    def __init__(self, title: str) -> None:
        super().__init__(convert_charrefs=False)
        self.title, self.out, self._skip, self._depth, self._anchors = title, [], None, 0, []

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def handle_startendtag(self, tag, attrs) -> None:
        self.handle_starttag(tag, attrs)

    def handle_starttag(self, tag, attrs) -> None:
        if self._skip:
            self._depth += tag == self._skip
            return
        a = dict(attrs)
        if tag in self._DROP:
            self._skip, self._depth = tag, 1
        elif tag == "link":
            pass  # CDN stylesheets and a favicon we do not ship
        elif tag == "img" and _external(a.get("src")):
            self.out.append(f"<span>{escape(a.get('alt') or '')}</span>")
        elif tag == "a":
            href = a.get("href") or ""
            keep = href.startswith("#") or not (_external(href) or "/" in href)
            if href.endswith("index.html") and not _external(href):
                keep, href = True, "index.html"
            self._anchors.append(keep)
            if keep:
                attrs = [(k, href if k == "href" else v) for k, v in attrs]
                self.out.append("<a" + "".join(f' {k}="{escape(v or "")}"' for k, v in attrs) + ">")
        else:
            self.out.append(self.get_starttag_text())
            if tag == "head":
                self.out.append(f"<title>{escape(self.title)}</title>")
            elif tag == "i":
                cls = a.get("class") or ""
                self.out.extend(m for k, m in _ICONS.items() if k in cls)

    def handle_endtag(self, tag) -> None:
        if self._skip:
            self._depth -= tag == self._skip
            self._skip = self._skip if self._depth else None
        elif tag == "a":
            if not self._anchors or self._anchors.pop():
                self.out.append("</a>")
        elif tag == "head":
            self.out.append(f"<style>{_CSS}</style><script>{_SHIM}</script></head>")
        elif tag not in ("link", "img"):
            self.out.append(f"</{tag}>")

    def handle_data(self, data) -> None:
        if not self._skip:
            self.out.append(data)

    def handle_entityref(self, name) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name) -> None:
        self.handle_data(f"&#{name};")


def _gx_page(result, title: str) -> str:
    from great_expectations.render.renderer import ValidationResultsPageRenderer
    from great_expectations.render.view import DefaultJinjaPageView

    class View(DefaultJinjaPageView):
        """GX's view with counter ids instead of uuid4, for byte-identical reruns."""

        n = 0

        def generate_html_element_uuid(self, prefix=None):
            self.n += 1
            return f"{prefix or ''}{self.n}"

    html = View().render(ValidationResultsPageRenderer().render(result))
    parser = _Offline(title)
    parser.feed(html)
    parser.close()
    return "".join(parser.out)


def _row(item) -> dict:
    d = item.to_json_dict()  # JSON-safe: numpy scalars already converted
    cfg, res, exc = d["expectation_config"], d.get("result") or {}, d.get("exception_info") or {}
    kwargs = {k: v for k, v in cfg["kwargs"].items() if k != "batch_id"}
    if exc.get("raised_exception"):
        observed = f"exception: {exc.get('exception_message')}"
    elif "observed_value" in res:
        observed = res["observed_value"]
    else:
        observed = {k: res[k] for k in ("unexpected_count", "partial_unexpected_list") if k in res}
    return {
        "success": d["success"],
        "type": cfg["type"],
        "description": cfg.get("description") or "",  # the invariant in words, when it has one
        "kwargs": _dump(kwargs),
        "observed": _dump(observed),
    }


def _dump(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)


def write_data_docs(results: list, out_dir: Path, title: str) -> Path:
    """Write ``index.html`` + one GX page per ``ExpectationSuiteValidationResult``; return index.

    Pages are named after the suite (order preserved, duplicates suffixed) and contain no
    external URL in any src/href, so they render from ``file://`` with no network.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    suites, used = [], set()
    for result in results:
        name = result.suite_name
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name) or "suite"
        page, n = f"{stem}.html", 1
        while page in used or page == "index.html":
            n += 1
            page = f"{stem}-{n}.html"
        used.add(page)
        html = _gx_page(result, f"{title} \u2014 {name} \u2014 Data Docs")
        (out_dir / page).write_text(html, encoding="utf-8")
        run_time = getattr((result.meta or {}).get("run_id"), "run_time", None)
        suites.append(
            {
                "name": name,
                "page": page,
                "success": bool(result.success),
                "run": str(run_time) if run_time else "",
                "rows": [_row(item) for item in result.results],
            }
        )
    rows = [r for s in suites for r in s["rows"]]
    index = out_dir / "index.html"
    index.write_text(
        _INDEX.render(
            title=title,
            css=_CSS,
            mark=_mark,
            suites=suites,
            passed=all(s["success"] for s in suites),
            total=len(rows),
            failed=sum(not r["success"] for r in rows),
        ),
        encoding="utf-8",
    )
    return index
