"""Small server-rendered charts for portal pages: inline SVG, no JavaScript, no external assets."""
import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.safestring import SafeString, mark_safe

from core.texts import figure, yuan

WIDTH, HEIGHT = 640, 220
TOP, BOTTOM, LEFT = 20, 40, 8  # room for the value above a bar and the label (and a day's year) below the axis
LABEL_ROOM = 44  # the width a bar's label or value takes without running into the next one's
#: how an amount above a bar is shortened, the largest unit first: Chinese counts in 万 and 亿, English in thousands
SHORT_UNITS = {"zh": ((Decimal(10) ** 8, "亿"), (Decimal(10) ** 4, "万")),
               "en": ((Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"), (Decimal(10) ** 3, "K"))}


def bar_chart(points: list[tuple[str | date, Decimal | None]], *, title: str = "", columns: tuple[str, str] | None = None,
              money: bool = False, gap: str = "") -> SafeString:
    """An SVG bar chart of (label, value) in the given order; negative values hang below the zero line.

    A label may be a day: its bar reads MM-DD, with the year beneath on the first bar and where the year changes, so
    that two weeks across New Year read right; the hidden table and `data-label` give the whole date (YYYY-MM-DD).
    Values are shown grouped as the reader's language writes them (12,345.60), `data-value` keeps the plain number.
    `money` values read as the pages' amounts (¥12,345.60, `core.texts.yuan`), shortened above the bars so that twelve
    months of millions do not run into each other (¥123.5万; English ¥1.2M): the whole amount is the bar's tooltip
    and in the hidden table. Every label and value is escaped, so the result is safe to insert into a page as it is.
    A screen reader, which cannot read the bars, reads the figures from a table the page does not show (or that there
    are none), its `columns` headed (what the labels are, what the values are in, with their unit).
    A value of None is a gap, not a zero: no bar, a dash above the axis, and in the hidden table `gap` (无数据).
    Bars too narrow for their labels (more than about fourteen: six months of days) are labelled every few bars,
    counting back from the last one, so that the labels shown stay apart; every bar keeps its label and value in its
    tooltip.
    """
    title_tag = f"<title>{escape(title)}</title>" if title else ""
    if not points:
        return mark_safe(f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}">'
                         f'{title_tag}</svg><p class="sr-only" data-testid="chart-data">{escape(_("暂无数据"))}</p>')
    values = [value for _label, value in points if value is not None]
    high, low = max([*values, Decimal(0)]), min([*values, Decimal(0)])
    span = (high - low) or Decimal(1)
    plot = HEIGHT - TOP - BOTTOM
    zero_y = TOP + float(high / span) * plot
    slot = (WIDTH - 2 * LEFT) / len(points)
    bar = slot * 0.6
    every = math.ceil(LABEL_ROOM / slot)  # 1: each bar labelled
    parts = [f'<line x1="{LEFT}" y1="{zero_y:.1f}" x2="{WIDTH - LEFT}" y2="{zero_y:.1f}" stroke="#9aa5b1"/>']
    for index, (label, value) in enumerate(points):
        year = _year_shown(points, index)
        shown = (len(points) - 1 - index) % every == 0
        if value is None:
            parts.append(_gap(label, LEFT + index * slot + slot / 2, zero_y, year, shown))
            continue
        x = LEFT + index * slot + (slot - bar) / 2
        size = float(abs(value) / span) * plot
        y = zero_y - size if value >= 0 else zero_y
        colour = "#0b6bcb" if value >= 0 else "#c62828"
        centre = x + bar / 2
        value_y = y - 4 if value >= 0 else y + size + 12
        parts.append(
            f'<g data-label="{escape(_full(label))}" data-value="{escape(value)}">'
            + (f"<title>{escape(_read(label))}: {escape(yuan(value) if money else figure(value))}</title>" if money or every > 1 else "")
            + f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{size:.1f}" fill="{colour}"/>'
            + (f'<text x="{centre:.1f}" y="{value_y:.1f}" font-size="11" text-anchor="middle">{escape(_short(value) if money else figure(value))}</text>'
               if shown else "")
            + _under(label, centre, year, shown) + "</g>"
        )
    return mark_safe(
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg">{title_tag}{"".join(parts)}</svg>{_figures(points, title, columns, money, gap)}'
    )


def _gap(label: str | date, centre: float, zero_y: float, year: int | None, shown: bool) -> str:
    """A month (or day) without a value: its label and a dash where a bar would stand, no bar."""
    return (f'<g data-label="{escape(_full(label))}" data-value="">'
            f'<text x="{centre:.1f}" y="{zero_y - 4:.1f}" font-size="11" text-anchor="middle" data-testid="chart-gap">—</text>'
            + _under(label, centre, year, shown) + "</g>")


def _under(label: str | date, centre: float, year: int | None, shown: bool) -> str:
    """A bar's label below the axis where labels are `shown`, and the day's year under it where it is shown."""
    return ((f'<text x="{centre:.1f}" y="{HEIGHT - 22}" font-size="12" text-anchor="middle">{escape(_axis(label))}</text>' if shown else "")
            + (f'<text x="{centre:.1f}" y="{HEIGHT - 8}" font-size="11" text-anchor="middle" data-testid="chart-year">{year}</text>'
               if year else ""))


def _full(label: str | date) -> str:
    return f"{label:%Y-%m-%d}" if isinstance(label, date) else str(label)


def _read(label: str | date) -> str:
    return date_format(label, "SHORT_DATE_FORMAT") if isinstance(label, date) else str(label)


def _axis(label: str | date) -> str:
    return f"{label:%m-%d}" if isinstance(label, date) else str(label)


def _year_shown(points: list[tuple[str | date, Decimal]], index: int) -> int | None:
    """A day's year under its bar: on the first day, and on a day whose year is not the previous bar's."""
    label = points[index][0]
    if not isinstance(label, date):
        return None
    previous = points[index - 1][0] if index else None
    return label.year if not isinstance(previous, date) or previous.year != label.year else None


def _short(amount: Decimal) -> str:
    """An amount above its bar, in the largest unit of the reader's language it reaches, to one decimal below a
    thousand of them (¥123.5万, ¥1234万), or whole yuan below the smallest (¥9,876)."""
    units = SHORT_UNITS["zh" if (get_language() or "zh").startswith("zh") else "en"]
    size = abs(amount)
    for scale, unit in units:
        if size >= scale:
            shown = size / scale
            return f"{'-' if amount < 0 else ''}¥{shown.quantize(Decimal('0.1') if shown < 1000 else Decimal('1'), ROUND_HALF_UP)}{unit}"
    return f"{'-' if amount < 0 else ''}¥{figure(size.quantize(Decimal('1'), ROUND_HALF_UP))}"


def _figures(points: list[tuple[str | date, Decimal | None]], title: str, columns: tuple[str, str] | None, money: bool,
             gap: str) -> str:
    read, gap = (yuan if money else figure), gap or _("无数据")
    rows = "".join(f'<tr><th scope="row">{escape(_read(label))}</th>'
                   f'<td>{escape(gap) if value is None else escape(read(value))}</td></tr>' for label, value in points)
    caption = f"<caption>{escape(title)}</caption>" if title else ""
    head = ('<thead><tr>' + "".join(f'<th scope="col">{escape(column)}</th>' for column in columns) + '</tr></thead>') if columns else ""
    # hidden by a box around it: a table is never narrower than its cells, so one hidden itself would widen the page
    return f'<div class="sr-only" data-testid="chart-data"><table>{caption}{head}<tbody>{rows}</tbody></table></div>'

