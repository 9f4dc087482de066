"""The statement PDF (结算单, SPEC §4.11): bilingual, paginated, deterministic.

`render_statement(version)` gives the bytes of one statement version: supplier, period, version, issue date,
for a version after the first the version it supersedes with that version's payable, the reason finance gave for it
(if any), the dispute it answers and the dispute adjustments booked into it,
the bank account the version pays (for a receivable, a terminated supplier's negative payable, also where the supplier
pays it: the platform's receiving account snapshotted at issue), then every section's lines (the statement's lines of versions up to this
one) in tables whose header row is on every page, each section's total, and the summary with the payable.
Every page is footed "第 x 页 / 共 y 页 | Page x of y" (the default font has no "·"). The current state is not printed: the portal shows it.

Deterministic: the same version renders to the same bytes, in any process. reportlab runs in invariant
mode, the creation date is the version's issue (or creation) time and the document ID is derived from the
statement and version numbers; nothing reads the clock or a random source.

Font: reportlab's built-in CID font ``STSong-Light`` by default (Chinese with no font file; readers supply
the glyphs, so it is not embedded). Set ``STATEMENT_PDF_FONT`` to the path of a TrueType font (``.ttf``, or
``.ttc`` whose first face is used) to register and embed that font instead, e.g. Noto Sans CJK or SimSun.

Memory: lines are read with ``values_list(...).iterator()`` and laid out a page at a time, so a statement of
10 000 lines never holds more than one page of table rows (see ``bench/statement_pdf.py``).
"""
import hashlib
import io
import re
import time
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import translation
from reportlab.lib import colors, textsplit
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import TimeStamp
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.pdfdoc import DummyDoc, PDFText
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak, Flowable, Frame, KeepTogether, PageTemplate, Paragraph, Spacer, Table, TableStyle, paragraph,
)
from reportlab.platypus.doctemplate import BaseDocTemplate

from core.masking import mask_phone
from core.pages import labelled
from core.texts import figure, written
from logistics.models import ReturnRequest
from logistics.models.costs import CostKind, cost_reference
from settlement.models import SECTION_TOTALS, Adjustment, Reference, Section, SourceKind, StatementLine, StatementVersion
from settlement.models.adjustments import shown_reason
from settlement.models.statements import shown_quantity
from settlement.services.statements import DisputeAnswer, dispute_answers

SHANGHAI = ZoneInfo("Asia/Shanghai")
CID_FONT = "STSong-Light"
EMBEDDED_FONT = "StatementFont"
FONT_SIZE = 8
LEADING = 10
PADDING = 2.5
MARGIN = 15 * mm

SECTION_TITLES = {
    Section.DELIVERY: "配送结算 Deliveries", Section.RETURN: "退货冲减 Returns netted off",
    Section.EXTRA_COST: "额外费用 Extra costs", Section.ADJUSTMENT: "调账 Adjustments",
    Section.CARRIED_FORWARD: "上期结转 Carried forward",
}
# header, width (pt), right-aligned; 510 pt in all, the page's width within its margins. A time (53.9 pt) and a masked
# phone (39.4 pt) fit their columns, an order number (22 characters, up to 85.1 pt) the order column and a SKU of up to
# 16 characters the SKU's, each on one line; "入库单 IB…" and an adjustment's "AJ… 对账更正：" (123.5 pt) fit the
# description's.
COLUMNS = (
    ("记录时间\nRecorded", 62, False), ("订单号\nOrder", 92, False), ("商品编码\nSKU", 78, False), ("数量\nQty", 30, True),
    ("电话\nPhone", 50, False), ("说明\nDescription", 132, False), ("金额 (元)\nAmount (CNY)", 66, True),
)
COLUMN_WIDTHS = [width for _, width, _ in COLUMNS]
#: Chinese punctuation no line may start with, which reportlab's wrapping lacks (it knows the Japanese and ASCII): it
#: hangs at the end of the line before instead, as reportlab hangs those it knows
CANNOT_START = "：，；！？）》」』”’"
for _wrapping in (textsplit, paragraph):  # a paragraph of one text wraps in the one, of several (lines) in the other
    _wrapping.ALL_CANNOT_START += "".join(mark for mark in CANNOT_START if mark not in _wrapping.ALL_CANNOT_START)
CODE_COLUMNS = (1, 2)  # order numbers and SKUs: a longer one wraps after a hyphen, never inside a run of letters or digits
HYPHENS = re.compile(r"(?<=-)")
HEADER = [header for header, _, _ in COLUMNS]
#: where a receivable's supplier pays with no receiving account of the platform's snapshotted (RECEIVABLE_PAY_TO unset)
PAY_AS_TOLD = "请按财务通知付款 Pay as finance instructs"


def render_statement(version: StatementVersion) -> bytes:
    """The PDF of one statement version; rendering the same version again gives the same bytes."""
    statement = version.statement
    font = _font_name()
    buffer = io.BytesIO()
    document = _StatementDocument(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN + 6 * mm,
        invariant=1, pageCompression=1, title=f"结算单 Settlement statement {statement.month:%Y-%m} v{version.number}",
        author=statement.supplier.name, subject=f"statement {statement.pk} version {version.number}", creator="giftpoints",
        producer="giftpoints",
    )
    document.font = font
    document.footer_left = f"{statement.supplier.name} | {statement.month:%Y-%m} | v{version.number}"
    document.stamped_at = version.issued_at or version.created_at
    document.document_id = f"statement {statement.pk} version {version.number}"
    with translation.override(settings.LANGUAGE_CODE):
        document.build([_Deferred(_story(version, font=font))], canvasmaker=_NumberedCanvas)
    return buffer.getvalue()


# --- content ---------------------------------------------------------------------------------------------------

def _story(version: StatementVersion, *, font: str) -> Iterator[Flowable]:
    styles = _styles(font)
    yield from _heading(version, styles)
    for number, section in enumerate(Section, start=1):
        yield CondPageBreak(6 * LEADING + 12 * mm)  # a heading, the table header and a few rows, or a new page
        yield Paragraph(f"{number}. {SECTION_TITLES[section]}", styles["section"])
        yield _SectionRows(_section_rows(version, section, styles["cell"]), font=font)
        total = getattr(version, SECTION_TOTALS[section])
        yield _key_values([(f"{section.label}合计 Total", money(total))], font=font, bold_last=True)
        yield Spacer(0, 4 * mm)
    summary = [(SECTION_TITLES[section], money(getattr(version, field))) for section, field in SECTION_TOTALS.items()]
    yield KeepTogether([
        Paragraph("汇总 Summary", styles["section"]),
        _key_values([*summary, ("应付金额 Payable", money(version.payable))], font=font, bold_last=True),
    ])


def _heading(version: StatementVersion, styles: dict) -> Iterator[Flowable]:
    statement = version.statement
    yield Paragraph("结算单 Settlement statement", styles["title"])
    rows = [
        ("礼品商 Supplier", f"{statement.supplier.name} (ID {statement.supplier_id})"),
        ("结算周期 Period", f"{statement.month:%Y-%m} (Asia/Shanghai)"),
        ("版本 Version", str(version.number)),
    ]
    if version.issued_at:
        rows.append(("下发日期 Issued", f"{version.issued_at.astimezone(SHANGHAI):%Y-%m-%d}"))
    if version.number > 1:
        superseded = statement.versions.get(number=version.number - 1)
        rows.append(("取代版本 Supersedes", f"v{superseded.number} (应付 Payable {money(superseded.payable)})"))
        answer = dispute_answers(statement).get(version.number)
        if version.reason or answer is None:
            rows.append(("下发说明 Reason", version.reason or "—"))
        if answer is not None:
            rows += _answer_rows(answer)
    rows += [
        ("开户银行 Bank", version.bank_name or "—"),
        ("账户名称 Account name", version.account_name or "—"),
        ("银行账号 Account number", version.account_number or "—"),
    ]
    if version.owed:
        rows.append(("付款至 Pay to", version.pay_to or PAY_AS_TOLD))
    yield _key_values(rows, font=styles["cell"].fontName)
    yield Spacer(0, 5 * mm)


def _answer_rows(answer: DisputeAnswer) -> list[tuple[str, str]]:
    """The dispute a version answers, with the supplier's reason, and the dispute adjustments booked into it."""
    booked = "\n".join(f"{number}  {money(amount)}" for number, amount in answer.adjustments) or "无 None"
    return [("答复异议 Dispute answered", f"答复第{answer.disputed}版异议：{answer.reason}"), ("异议调账 Dispute adjustments", booked)]


#: what `describe` reads of a line
DESCRIBED = ("section", "source_kind", "source_id", "description", "reference", "note", "message_id", "message_params")
_LINE_FIELDS = ("recorded_at", "order_number", "sku", "quantity", "contact", *DESCRIBED, "amount")


def _section_rows(version: StatementVersion, section: str, cell_style: ParagraphStyle) -> Iterator[list]:
    lines = (StatementLine.objects.filter(statement_id=version.statement_id, version__lte=version.number, section=section)
             .order_by("recorded_at", "id").values_list(*_LINE_FIELDS).iterator(chunk_size=2000))
    for recorded_at, order_number, sku, quantity, contact, *described, amount in lines:
        line = dict(zip(DESCRIBED, described))
        text = describe(**line, separator="\n", bilingual=True)
        cells = [f"{recorded_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}", order_number, sku, shown_quantity(line["section"], quantity),
                 mask_phone(contact), text, money(amount)]
        yield [(_fit_code if n in CODE_COLUMNS else _fit)(text, width, cell_style) for n, (text, width) in enumerate(zip(cells, COLUMN_WIDTHS))]


def described(line: StatementLine, *, separator: str = " · ") -> str:
    """`describe` of a line, in the language active (the page's, the API's)."""
    return describe(**{field: getattr(line, field) for field in DESCRIBED}, separator=separator)


def describe(*, section: str, source_kind: str, description: str, source_id: int | None = None, reference: str = "",
             note: str = "", message_id: str = "", message_params: dict | None = None, separator: str = " · ",
             bilingual: bool = False) -> str:
    """A line's description for people, in the language active: extra costs by reference, kind and what they belong to
    (parts joined by `separator`), return outcomes and adjustment kinds by their labels. The text the system wrote that
    the line copies (an extra cost's description, an adjustment's reason: `message_id`, `message_params`) reads in the
    language active too, and with `bilingual` (the PDF, in Chinese) in Chinese and then in English; a text a person
    typed reads as typed."""
    if section == Section.EXTRA_COST:
        code, _, fee_date = description.partition(" ")
        if code in CostKind.values:
            note = _system_text(message_id, message_params, bilingual=bilingual) if message_id else note
            parts = _cost_parts(CostKind(code).label, fee_date=fee_date, source_id=source_id, reference=reference, note=note)
            return separator.join(parts)
    elif section == Section.RETURN and description in ReturnRequest.Outcome.values:
        return str(ReturnRequest.Outcome(description).label)
    elif section == Section.ADJUSTMENT:
        number, _, rest = description.partition(" ")
        kind, _, reason = rest.partition(" ")
        if kind in Adjustment.Kind.values:
            reason = _system_text(message_id, message_params, bilingual=bilingual, shown=shown_reason) if message_id else reason
            head = f"{number} {Adjustment.Kind(kind).label}"
            if separator == "\n":  # parts on lines of their own (the PDF): the reason starts a line, never the colon
                return f"{labelled(head, '').rstrip()}\n{reason}"
            return labelled(head, reason)
    elif section == Section.CARRIED_FORWARD:
        return f"{SourceKind.STATEMENT.label} {description[:7]}"
    elif source_kind == SourceKind.REPLACEMENT and not description:
        return str(SourceKind.REPLACEMENT.label)
    return description


def _system_text(message_id: str, params: dict | None, *, bilingual: bool, shown=str) -> str:
    """A text the system wrote, in the language active (`shown` cuts it as the line does); `bilingual`: then in English
    on the next line, where that reads differently."""
    text = shown(written(message_id, params))
    if bilingual:
        with translation.override("en"):
            english = shown(written(message_id, params))
        if english != text:
            return f"{text}\n{english}"
    return text


def _cost_parts(label: str, *, fee_date: str, source_id: int | None, reference: str, note: str) -> list[str]:
    """"#12 仓储费 2026-12-02", "遗留批次 #5", "<the cost's description>": the reference an adjustment's source takes with the
    kind and fee date, the inbound shipment, lot or return it belongs to (unless its description names it), the description."""
    parts = [" ".join(part for part in (cost_reference(source_id) if source_id else "", str(label), fee_date) if part)]
    kind, _, number = reference.partition(" ")
    if kind in Reference.values and number:
        shown = cost_reference(number) if kind == Reference.LOT else number
        if shown not in note:
            parts.append(f"{Reference(kind).label} {shown}")
    if note:
        parts.append(note)
    return parts


def money(amount: Decimal) -> str:
    """1234567.5 → 1,234,567.50 (Decimal only), grouped as the portal's pages group amounts (`core.texts.figure`)."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be a Decimal, not {type(amount).__name__}")
    return figure(amount.quantize(Decimal("0.01")), 2)


def _fit(text: str, width: float, style: ParagraphStyle) -> str | Paragraph:
    """Plain text when it fits on one line (no glyph is wider than 1 em, so most cells need no measuring), else a
    wrapping paragraph that starts a new line at each line break of the text."""
    room = width - 2 * PADDING
    size = style.fontSize
    if "\n" not in text and (len(text) * size <= room or pdfmetrics.stringWidth(text, style.fontName, size) <= room):
        return text
    return Paragraph("<br/>".join(_escape(line) for line in text.split("\n")), style)


def _fit_code(text: str, width: float, style: ParagraphStyle) -> str | Paragraph:
    """A code (an order number, a SKU) on one line where it fits, else broken after its hyphens, as many parts a line as
    fit (a part longer than a line wraps within it)."""
    fitted = _fit(text, width, style)
    if isinstance(fitted, str):
        return fitted
    room = width - 2 * PADDING
    lines = [""]
    for part in HYPHENS.split(text):
        if lines[-1] and pdfmetrics.stringWidth(lines[-1] + part, style.fontName, style.fontSize) > room:
            lines.append("")
        lines[-1] += part
    return _fit("\n".join(lines), width, style)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _styles(font: str) -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=16, leading=22, spaceAfter=4 * mm),
        "section": ParagraphStyle("section", fontName=font, fontSize=11, leading=15, spaceBefore=2 * mm, spaceAfter=2 * mm),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=FONT_SIZE, leading=LEADING, wordWrap="CJK"),
    }


def _key_values(rows: list[tuple[str, str]], *, font: str, bold_last: bool = False) -> Table:
    widths = [150, sum(COLUMN_WIDTHS) - 150]  # these cells keep the default 6 pt padding
    cell = ParagraphStyle("value", fontName=font, fontSize=9, leading=12, wordWrap="CJK", alignment=2 if bold_last else 0)
    table = Table([(label, _fit(value, widths[1] - 7, cell)) for label, value in rows], colWidths=widths, hAlign="LEFT")
    style = [("FONT", (0, 0), (-1, -1), font, 9, 12), ("ALIGN", (1, 0), (1, -1), "RIGHT" if bold_last else "LEFT"),
             ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey)]
    if bold_last:
        style += [("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#EEEEEE")), ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black)]
    table.setStyle(TableStyle(style))
    return table


# --- layout: one table per page ----------------------------------------------------------------------------------

class _SectionRows(Flowable):
    """A section's line rows, laid out a page at a time: each page gets a table of its own that starts with the
    header row, so the header repeats on every page and only one page of rows is ever built."""

    def __init__(self, rows: Iterator[list], *, font: str):
        super().__init__()
        self.rows, self.font = rows, font
        self.pending: list[tuple[list, float]] = []
        self.header_height = 2 * LEADING + 2 * PADDING
        self.started = False

    def wrap(self, availWidth, availHeight):
        return availWidth, availHeight + 1  # always split: only splitting knows how many rows fit

    def split(self, availWidth, availHeight):
        room = availHeight - self.header_height
        taken, height = [], 0.0
        while True:
            row = self._next_row()
            if row is None:
                break
            if height + row[1] > room:
                self.pending.insert(0, row)
                break
            taken.append(row)
            height += row[1]
        if not taken and (self.started or self.pending):
            return []  # not even one row fits here: the frame moves on to the next page
        self.started = True
        self.__dict__.pop("_postponed", None)  # the document's mark of a flowable already moved to a new page once
        table = self._table([cells for cells, _ in taken], [h for _, h in taken])
        more = self.pending or self._peek()
        return [table, self] if more else [table]

    def _next_row(self) -> tuple[list, float] | None:
        if self.pending:
            return self.pending.pop(0)
        cells = next(self.rows, None)
        return None if cells is None else (cells, _row_height(cells))

    def _peek(self) -> bool:
        row = self._next_row()
        if row is not None:
            self.pending.append(row)
        return row is not None

    def _table(self, rows: list[list], heights: list[float]) -> Table:
        if not rows:
            rows, heights = [["无明细 No lines", "", "", "", "", "", ""]], [LEADING + 2 * PADDING]
        table = Table([HEADER, *rows], colWidths=COLUMN_WIDTHS, rowHeights=[self.header_height, *heights], repeatRows=1)
        table.setStyle(_table_style(self.font))
        return table


@cache
def _table_style(font: str) -> TableStyle:
    return TableStyle([
        ("FONT", (0, 0), (-1, -1), font, FONT_SIZE, LEADING),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING), ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), PADDING), ("BOTTOMPADDING", (0, 0), (-1, -1), PADDING),
        *[("ALIGN", (n, 0), (n, -1), "RIGHT") for n, (_, _, right) in enumerate(COLUMNS) if right],
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8E8E8")),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.2, colors.HexColor("#BBBBBB")),
        ("BOX", (0, 0), (-1, -1), 0.6, colors.black),
    ])


def _row_height(cells: list) -> float:
    tallest = LEADING
    for cell, width in zip(cells, COLUMN_WIDTHS):
        if isinstance(cell, Paragraph):
            tallest = max(tallest, cell.wrap(width - 2 * PADDING, 1000)[1])
    return tallest + 2 * PADDING


class _Deferred(Flowable):
    """Flowables not built yet: the document takes them from the iterator one at a time as it reaches them."""

    def __init__(self, flowables: Iterator[Flowable]):
        super().__init__()
        self.flowables = flowables


class _StatementDocument(BaseDocTemplate):
    font: str
    footer_left: str
    stamped_at: datetime
    document_id: str

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body", leftPadding=0, rightPadding=0)
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=_remember_document)])

    def filterFlowables(self, flowables):
        head = flowables[0]
        if isinstance(head, _Deferred):
            following = next(head.flowables, None)
            flowables[0:1] = [following, head] if following is not None else [None]


def _remember_document(canvas: "_NumberedCanvas", document: _StatementDocument) -> None:
    canvas.statement_document = document  # the build forgets its document before saving, the footers need it


class _NumberedCanvas(Canvas):
    """Keeps each page until the end, then foots them all with the page count (page x of y) in one pass."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        template = self.statement_document
        _fix_identity(self, stamped_at=template.stamped_at, document_id=template.document_id)
        total = len(self._pages)
        for number, page in enumerate(self._pages, start=1):
            self.__dict__.update(page)
            self._footer(template, number=number, total=total)
            super().showPage()
        self._pages.clear()
        super().save()

    def _footer(self, template: _StatementDocument, *, number: int, total: int) -> None:
        self.saveState()
        self.setFont(template.font, 7.5)
        self.setFillColor(colors.HexColor("#555555"))
        y = MARGIN
        self.drawString(MARGIN, y, template.footer_left)
        self.drawRightString(A4[0] - MARGIN, y, f"第 {number} 页 / 共 {total} 页 | Page {number} of {total}")
        self.restoreState()


def _fix_identity(canvas: Canvas, *, stamped_at: datetime, document_id: str) -> None:
    """Creation date from the version, not the clock or SOURCE_DATE_EPOCH; document ID from the version's identity."""
    stamp = TimeStamp(invariant=True)
    stamp.t = stamped_at.timestamp()
    stamp.lt = time.gmtime(int(stamp.t))
    stamp.YMDhms = tuple(stamp.lt)[:6]
    stamp.dhh = stamp.dmm = 0
    stamp.tzname = "UTC"
    document = canvas._doc
    document._timeStamp = stamp
    ids = PDFText(hashlib.md5(document_id.encode(), usedforsecurity=False).digest(), enc="raw").format(DummyDoc())
    document._ID = b"\n[" + ids + ids + b"]\n"


def _font_name() -> str:
    return _register_font(str(getattr(settings, "STATEMENT_PDF_FONT", "") or ""))


@cache
def _register_font(path: str) -> str:
    if not path:
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
        return CID_FONT
    name = f"{EMBEDDED_FONT}-{hashlib.sha256(path.encode()).hexdigest()[:8]}"
    pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
    return name
