"""The SVG bar chart geometry."""

from __future__ import annotations

from reports.charts import COMPACT_WIDTH, WIDTH, bar_chart


def test_bars_scale_to_the_largest_value_and_carry_their_numbers():
    chart = bar_chart(
        chart_id="c",
        title="Opened and resolved",
        categories=["March 2026", "April 2026"],
        series=[("Opened", [4, 2]), ("Resolved", [0, 1])],
    )
    widths = [[bar.width for bar in group.bars] for group in chart.groups]
    plot = WIDTH - 210 - 44
    assert widths == [[plot, 0], [plot / 2, plot / 4]]
    assert [item.label for item in chart.legend] == ["Opened", "Resolved"]
    assert chart.desc == "March 2026: Opened 4, Resolved 0; April 2026: Opened 2, Resolved 1."
    # Bars never overlap: each starts below the one before.
    ys = [bar.y for group in chart.groups for bar in group.bars]
    assert ys == sorted(ys)
    assert len(set(ys)) == 4


def test_an_empty_chart_says_so_without_a_legend():
    chart = bar_chart(chart_id="c", title="T", categories=[], series=[("A", []), ("B", [])])
    assert chart.empty
    assert chart.legend == []
    assert chart.desc == "No figures for this period."


def test_a_compact_chart_is_narrower():
    chart = bar_chart(chart_id="c", title="T", categories=["x"], series=[("A", [1])], compact=True)
    assert chart.width == COMPACT_WIDTH
