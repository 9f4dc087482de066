"""Minimal XLSX files built from sheet XML, for the tests of uploaded tables: a few hundred bytes whatever the row and
column numbers in them say."""
import io
import re
import zipfile

# Style 1 formats a number as a date, which sends the workbook to openpyxl rather than the plain reader.
DATE_STYLES = (
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font/></fonts><fills count="1"><fill><patternFill/></fill></fills><borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def cell(reference: str, text: str, style: str = "") -> str:
    """A number cell for digits, else an inline text cell."""
    if re.fullmatch("[0-9]+", text):
        return f'<c r="{reference}"{style}><v>{text}</v></c>'
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def row(number: int, *cells: str, attributes: str = "") -> str:
    return f'<row r="{number}"{attributes}>{"".join(cells)}</row>'


def entity_bomb(references: int, *, length: int = 250) -> tuple[str, str]:
    """A DTD declaring an entity of `length` characters, and text referring to it `references` times: a few KB once
    zipped, `references` × `length` characters once expanded."""
    return f'<!DOCTYPE worksheet [<!ENTITY a "{"x" * length}">]>', "&a;" * references


def workbook(*rows: str, dates: bool = False, sheets: int = 1, doctype: str = "", extra_parts: dict[str, str] | None = None) -> bytes:
    """A minimal XLSX holding `rows` (sheetData XML) in the first of its `sheets`: a few hundred bytes, whatever the
    row and column numbers in `rows` say. `doctype` goes before the first sheet's root; `extra_parts` are added as they are."""
    numbers = range(1, sheets + 1)
    relations = [(f"rId{n}", "worksheet", f"worksheets/sheet{n}.xml") for n in numbers] + [("rIdS", "styles", "styles.xml")] * dates
    parts = {
        "[Content_Types].xml": f'<Types xmlns="{CONTENT_TYPES}"><Override PartName="/xl/workbook.xml" ContentType="{WORKBOOK}"/></Types>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{OFFICE}"><sheets>'
                           + "".join(f'<sheet name="s{n}" sheetId="{n}" r:id="rId{n}"/>' for n in numbers) + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{RELATIONSHIPS}">'
                                      + "".join(f'<Relationship Id="{id_}" Type="{OFFICE}/{kind}" Target="{target}"/>'
                                                for id_, kind, target in relations) + "</Relationships>",
        **{f"xl/worksheets/sheet{n}.xml": doctype * (n == 1)
           + f'<worksheet xmlns="{MAIN}"><sheetData>{"".join(rows) * (n == 1)}</sheetData></worksheet>' for n in numbers},
        **({"xl/styles.xml": DATE_STYLES} if dates else {}),
        **(extra_parts or {}),
    }
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as book:
        for name, xml in parts.items():
            book.writestr(name, xml)
    return stream.getvalue()
