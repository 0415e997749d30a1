"""The page kit of jifen's own HTML pages (the reports and the trial report): one Jinja2
environment per language (autoescape, strict undefined, the translations and number and date
formats of ``i18n``) over one template folder, with the number filters of ``fmt``; charts are
``charts.bar_chart`` drawn by a macro.

Every page extends ``templates/base.html`` and draws its charts and tier badges with the macros
of ``templates/_macros.html``. Also here: the file layout of the report folder.
"""

from __future__ import annotations

from functools import cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from orchestration.reports import fmt, i18n

TEMPLATES = Path(__file__).resolve().parent / "templates"


def file_name(rep_id: str) -> str:
    """A rep id as a safe file name (ids are plain today; a ``/`` or ``..`` must not escape)."""
    return quote(rep_id, safe="-_~").replace(".", "%2E") + ".html"


def statement_path(period: str, rep_id: str) -> Path:
    return Path("statements") / period / file_name(rep_id)


def statement_href(period: str, rep_id: str) -> str:
    """The statement's URL relative to the report folder (the file name's ``%`` quoted again)."""
    return "/".join(quote(part) for part in statement_path(period, rep_id).parts)


@cache
def environment(lang: str = i18n.DEFAULT) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(i18n.gettext(lang), i18n.ngettext(lang), newstyle=True)
    env.filters.update(
        num=partial(fmt.num, lang=lang),
        signed=partial(fmt.signed, lang=lang),
        direction=fmt.direction,
        moment=partial(i18n.moment, lang=lang),
        month=partial(i18n.period_name, lang=lang),
    )
    env.globals.update(statement_href=statement_href, html_lang=i18n.html_lang(lang))
    return env


def write(
    out_dir: Path, relative: Path, template: str, context: dict[str, Any], lang: str | None = None
) -> Path:
    """Render ``template`` into ``out_dir/relative`` in ``lang`` (default: ``i18n.language``);
    ``root`` lets pages link back up to the folder's ``index.html``."""
    path = out_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    root = "../" * (len(relative.parts) - 1)
    page = environment(i18n.language(lang)).get_template(template)
    html = page.render(root=root, **context)
    path.write_bytes(html.encode("utf-8"))
    return path
