"""Server-side SVG bar charts: geometry worked out here, drawn by
`templates/reports/includes/bar_chart.html`.

Accessible by construction: the SVG has role="img" with a <title> and <desc> naming every
figure, each bar carries its number as text (colour is never the only key), and the data table
beside the chart holds the same rows. No script, no inline style (the CSP forbids both).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# GOV.UK colours with at least 3:1 contrast against white, so bars are visible to everyone.
SERIES_COLOURS = ("#1d70b8", "#d4351c", "#00703c", "#4c2c92")

WIDTH = 640  # a full-width chart; a chart beside its table is narrower (COMPACT_WIDTH)
COMPACT_WIDTH = 480
LABEL_WIDTH = 210
COMPACT_LABEL_WIDTH = 196
VALUE_GAP = 6
VALUE_ROOM = 44
BAR_HEIGHT = 18
BAR_GAP = 3
GROUP_GAP = 14
LEGEND_HEIGHT = 28
TOP = 8


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    value: float
    value_x: float
    value_y: float
    series: str


@dataclass
class Group:
    label: str
    label_y: float
    bars: list[Bar] = field(default_factory=list)


@dataclass
class LegendItem:
    label: str
    colour: str
    x: float


@dataclass
class BarChart:
    id: str
    title: str
    desc: str
    width: int
    height: float
    groups: list[Group]
    legend: list[LegendItem]
    label_x: float
    axis_x: float
    empty: bool


def _fmt(value: float) -> str:
    return f"{value:g}"


def bar_chart(
    *,
    chart_id: str,
    title: str,
    categories: list[str],
    series: list[tuple[str, list[float]]],
    compact: bool = False,
) -> BarChart:
    """A horizontal grouped bar chart: one group per category, one bar per series. A compact
    chart is drawn narrower so that, beside its table, its text stays at reading size."""
    width = COMPACT_WIDTH if compact else WIDTH
    label_width = COMPACT_LABEL_WIDTH if compact else LABEL_WIDTH
    peak = max((v for _, values in series for v in values), default=0) or 1
    plot_width = width - label_width - VALUE_ROOM
    legend: list[LegendItem] = []
    top = TOP
    if len(series) > 1 and categories:
        x = float(label_width)
        for index, (name, _) in enumerate(series):
            legend.append(LegendItem(label=name, colour=SERIES_COLOURS[index], x=x))
            x += 24 + 8 * len(name) + 20
        top += LEGEND_HEIGHT
    groups: list[Group] = []
    y = float(top)
    group_height = len(series) * BAR_HEIGHT + (len(series) - 1) * BAR_GAP
    for c_index, category in enumerate(categories):
        group = Group(label=category, label_y=y + group_height / 2 + 5)
        for s_index, (name, values) in enumerate(series):
            value = values[c_index] if c_index < len(values) else 0
            length = plot_width * (value / peak)
            bar_y = y + s_index * (BAR_HEIGHT + BAR_GAP)
            group.bars.append(
                Bar(
                    x=label_width,
                    y=bar_y,
                    width=round(length, 1),
                    height=BAR_HEIGHT,
                    colour=SERIES_COLOURS[s_index % len(SERIES_COLOURS)],
                    value=value,
                    value_x=round(label_width + length + VALUE_GAP, 1),
                    value_y=bar_y + BAR_HEIGHT - 4,
                    series=name,
                )
            )
        groups.append(group)
        y += group_height + GROUP_GAP
    parts = []
    for c_index, category in enumerate(categories):
        figures = ", ".join(
            f"{name} {_fmt(values[c_index] if c_index < len(values) else 0)}"
            for name, values in series
        )
        parts.append(f"{category}: {figures}")
    desc = "; ".join(parts) + "." if parts else "No figures for this period."
    return BarChart(
        id=chart_id,
        title=title,
        desc=desc,
        width=width,
        height=max(y, top + 30),
        groups=groups,
        legend=legend,
        label_x=label_width - 8,
        axis_x=label_width,
        empty=not categories,
    )
