"""Geometry of horizontal bar charts, drawn as inline SVG by the ``bar_chart`` macro of
``templates/_macros.html``: the one chart of every page (the reports and the trial report).

Pages must render offline with no JavaScript, so charts are plain SVG computed here (in
Decimal, so the same data always gives the same bytes) and labelled by the template, which
escapes the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

LABEL_WIDTH = 110
PLOT_WIDTH = 300
VALUE_WIDTH = 90
BAR_HEIGHT = 18
ROW_HEIGHT = 26
PAD = 8
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal | int
    x: str
    y: str
    text_y: str
    width: str
    negative: bool


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    width: int
    height: int
    zero_x: str
    label_x: int
    value_x: int
    plot_x: int
    bar_height: int = BAR_HEIGHT


def _px(value: Decimal) -> str:
    return str(value.quantize(TENTH))


def bar_chart(
    title: str,
    items: list[tuple[str, Decimal | int]],
    *,
    label_width: int = LABEL_WIDTH,
    value_width: int = VALUE_WIDTH,
) -> Chart:
    """Bars proportional to the values; negative values extend left of a zero line.
    ``label_width``/``value_width``: room for the labels left and the values right."""
    values = [Decimal(value) for _, value in items]
    low = min([Decimal(0), *values])
    high = max([Decimal(0), *values])
    span = (high - low) or Decimal(1)

    def at(value: Decimal) -> Decimal:
        return label_width + (value - low) / span * PLOT_WIDTH

    bars = []
    for index, ((label, raw), value) in enumerate(zip(items, values, strict=True)):
        left, right = at(min(value, Decimal(0))), at(max(value, Decimal(0)))
        bars.append(
            Bar(
                label=label,
                value=raw,
                x=_px(left),
                y=str(PAD + index * ROW_HEIGHT),
                text_y=str(PAD + index * ROW_HEIGHT + BAR_HEIGHT - 5),
                width=_px(right - left),
                negative=value < 0,
            )
        )
    return Chart(
        title=title,
        bars=bars,
        width=label_width + PLOT_WIDTH + value_width,
        height=2 * PAD + max(len(items), 1) * ROW_HEIGHT,
        zero_x=_px(at(Decimal(0))),
        label_x=label_width - 8,
        value_x=label_width + PLOT_WIDTH + 8,
        plot_x=label_width,
    )
