"""Deployment checks of settlement (`manage.py check --deploy`): the statement PDF's font."""
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Warning, register
from reportlab.pdfbase.ttfonts import TTFError, TTFont

HINT = ("Set STATEMENT_PDF_FONT to the path of a font with Chinese glyphs and TrueType outlines (.ttf, or .ttc whose first face "
        "is used), e.g. /usr/share/fonts/truetype/wqy/wqy-microhei.ttc (Debian fonts-wqy-microhei) or simsun.ttc, not Noto "
        "Sans CJK (PostScript outlines): it is then embedded in every statement PDF. "
        "See docs/operations.md.")


@register("settlement", deploy=True)
def check_statement_pdf_font(app_configs=None, **kwargs) -> list:
    """Statements are issued as PDFs: warn when their Chinese text depends on the reader's fonts, refuse a font that is not
    there or that reportlab cannot embed."""
    path = str(getattr(settings, "STATEMENT_PDF_FONT", "") or "")
    if not path:
        return [Warning(
            "STATEMENT_PDF_FONT is empty: statement PDFs use the built-in STSong-Light font without embedding it, so their "
            "Chinese text relies on the reader's Asian font pack and shows blank in viewers without one.",
            hint=HINT, id="settlement.W001",
        )]
    if not Path(path).is_file():
        return [Error(f"STATEMENT_PDF_FONT is {path!r}, which is not a file: statements could not be rendered at issue.",
                      hint=HINT, id="settlement.E001")]
    try:  # loaded as the PDFs load it (settlement.pdf): a PostScript-outline (CFF) font or no font at all fails there
        TTFont("StatementFontCheck", path, subfontIndex=0)
    except (TTFError, OSError) as error:
        return [Error(f"STATEMENT_PDF_FONT is {path!r}, which reportlab cannot embed ({error}): statements could not be "
                      "rendered at issue.", hint=HINT, id="settlement.E001")]
    return []
