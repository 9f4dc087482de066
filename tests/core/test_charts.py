"""The inline SVG bar chart of portal pages."""
import re
from datetime import date, timedelta
from decimal import Decimal

from django.utils import translation

from core.charts import bar_chart


def bars(svg: str) -> list[tuple[str, str, float]]:
    """(label, value, bar height) of each bar, in order."""
    return [(label, value, float(height)) for label, value, height in
            re.findall(r'<g data-label="([^"]*)" data-value="([^"]*)"><rect [^>]*height="([\d.]+)"', svg)]


def test_each_point_is_a_bar_in_order_with_heights_in_proportion():
    svg = bar_chart([("2026-08", Decimal("100.00")), ("2026-09", Decimal("50.00"))])

    drawn = bars(svg)
    assert [(label, value) for label, value, _ in drawn] == [("2026-08", "100.00"), ("2026-09", "50.00")]
    assert drawn[0][2] == 2 * drawn[1][2]
    assert svg.startswith("<svg") and svg.count("</svg>") == 1


def test_a_negative_value_hangs_below_the_zero_line_in_another_colour():
    svg = bar_chart([("2026-08", Decimal("30.00")), ("2026-09", Decimal("-10.00"))])

    assert 'fill="#c62828"' in svg and 'fill="#0b6bcb"' in svg
    assert [value for _label, value, _height in bars(svg)] == ["30.00", "-10.00"]


def test_labels_and_the_title_are_escaped():
    svg = bar_chart([("<script>alert(1)</script>", Decimal("1"))], title="a & b")

    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "<title>a &amp; b</title>" in svg


def test_no_points_give_an_empty_chart_and_all_zero_values_draw_flat_bars():
    assert "<rect" not in bar_chart([])
    assert [height for _l, _v, height in bars(bar_chart([("2026-08", Decimal("0.00"))]))] == [0.0]


def test_a_screen_reader_reads_each_label_and_value_from_a_hidden_table_or_that_there_are_none():
    chart = bar_chart([("2026-11", Decimal("80")), ("2026-12", Decimal("-5"))], title="得分")

    with translation.override("en"):
        empty = bar_chart([], title="得分")

    table = chart.split('<table class="sr-only" data-testid="chart-data">', 1)[1]
    assert table.startswith("<caption>得分</caption>")
    assert '<tr><th scope="row">2026-11</th><td>80</td></tr><tr><th scope="row">2026-12</th><td>-5</td></tr>' in table
    assert '<p class="sr-only" data-testid="chart-data">No data</p>' in empty


def test_days_across_new_year_show_their_year_under_the_first_bar_and_the_first_day_of_the_new_year():
    days = [date(2026, 12, 30) + timedelta(days=n) for n in range(4)]

    svg = bar_chart([(day, 1) for day in days])

    assert [label for label, _value, _height in bars(svg)] == ["2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02"]
    assert re.findall(r'text-anchor="middle">(\d\d-\d\d)</text>', svg) == ["12-30", "12-31", "01-01", "01-02"]
    assert re.findall(r'data-testid="chart-year">(\d+)<', svg) == ["2026", "2027"]
    assert '<th scope="row">2027-01-01</th>' in svg


def test_values_read_grouped_by_thousands_in_either_language_and_stay_plain_in_their_attribute():
    for language in ("zh-hans", "en"):
        with translation.override(language):
            svg = bar_chart([("2026-11", Decimal("1234567.80"))])

        assert 'data-value="1234567.80"' in svg
        assert ">1,234,567.80</text>" in svg and "<td>1,234,567.80</td>" in svg
