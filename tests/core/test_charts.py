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

    table = chart.split('<div class="sr-only" data-testid="chart-data"><table>', 1)[1]
    assert table.startswith("<caption>得分</caption>") and table.endswith("</tbody></table></div>")
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


def test_amounts_read_in_yuan_shortened_above_the_bars_and_whole_in_the_tooltip_and_the_hidden_table():
    months = [(f"2026-{month:02d}", Decimal("1234567.80") * month) for month in range(1, 13)]

    chart = bar_chart(months, title="各月应付金额", columns=("结算月份", "应付金额（元）"), money=True)
    with translation.override("en"):
        english = bar_chart(months[:1], money=True)

    above = re.findall(r'font-size="11" text-anchor="middle">([^<]*)</text>', chart)
    assert above[:2] == ["¥123.5万", "¥246.9万"] and above[-1] == "¥1481万"
    assert all(len(text) * 11 * 0.6 < (640 - 16) / 12 for text in above)  # each narrower than its bar's slot: no collisions
    assert "<title>2026-01: ¥1,234,567.80</title>" in chart
    assert '<tr><th scope="row">2026-12</th><td>¥14,814,813.60</td></tr>' in chart
    assert 'data-value="1234567.80"' in chart
    assert ">¥1.2M</text>" in english


def test_small_and_negative_amounts_read_whole_in_yuan_with_the_sign_before_the_mark():
    chart = bar_chart([("2026-10", Decimal("9876.40")), ("2026-11", Decimal("-30000.00"))], money=True)

    assert ">¥9,876</text>" in chart and ">-¥3.0万</text>" in chart
    assert "<td>-¥30,000.00</td>" in chart


def test_the_hidden_table_heads_its_columns_with_what_they_are_and_their_unit():
    chart = bar_chart([("2026-11", Decimal("80"))], title="得分", columns=("考核月份", "得分（分）"))

    assert '<caption>得分</caption><thead><tr><th scope="col">考核月份</th><th scope="col">得分（分）</th></tr></thead>' in chart


def test_a_missing_value_is_a_gap_with_no_bar_not_a_zero():
    chart = bar_chart([("2026-09", None), ("2026-10", Decimal("0")), ("2026-11", Decimal("80"))], gap="无得分")

    assert [(label, value) for label, value, _height in bars(chart)] == [("2026-10", "0"), ("2026-11", "80")]
    assert '<g data-label="2026-09" data-value=""><text' in chart and chart.count('data-testid="chart-gap"') == 1
    assert '<tr><th scope="row">2026-09</th><td>无得分</td></tr><tr><th scope="row">2026-10</th><td>0</td></tr>' in chart


def test_six_months_of_days_are_labelled_every_few_bars_back_from_the_last_and_each_bar_keeps_its_figures_in_a_tooltip():
    first = date(2026, 6, 1)
    days = [(first + timedelta(days=offset), Decimal(offset)) for offset in range(180)]

    svg = bar_chart(days)

    axis = re.findall(r'font-size="12" text-anchor="middle">(\d\d-\d\d)</text>', svg)
    shown = [float(x) for x in re.findall(r'<text x="([\d.]+)" y="[\d.]+" font-size="12"', svg)]
    assert len(re.findall(r"<g data-label=", svg)) == 180 and 10 <= len(axis) <= 16
    assert axis[-1] == f"{days[-1][0]:%m-%d}"  # today's bar is always labelled
    assert min(b - a for a, b in zip(shown, shown[1:])) >= 40  # the labels shown do not run into each other
    assert svg.count("<title>") == 180 and svg.count("</title>") == 180  # each bar's day and value on hovering


def test_two_weeks_of_days_label_every_bar():
    first = date(2026, 6, 1)
    svg = bar_chart([(first + timedelta(days=offset), Decimal(offset)) for offset in range(14)])

    assert len(re.findall(r'font-size="12" text-anchor="middle">\d\d-\d\d</text>', svg)) == 14
    assert "<title>" not in svg
