"""`manage.py check --deploy` warns when statement PDFs would rely on the reader's fonts (STATEMENT_PDF_FONT empty) and
refuses a font that is not there or that reportlab cannot embed."""
from pathlib import Path

import pytest
import reportlab
from django.core import checks
from django.test import override_settings

VERA = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"


def settlement_issues(*, deploy: bool = True) -> list:
    """The issues of settlement's checks (tagged "settlement": the others, such as the API schema's, take seconds)."""
    return [issue for issue in checks.run_checks(include_deployment_checks=deploy, tags=["settlement"]) if issue.id.startswith("settlement.")]


@override_settings(STATEMENT_PDF_FONT="")
def test_an_empty_statement_pdf_font_is_a_deployment_warning_saying_how_to_embed_a_font():
    (issue,) = settlement_issues()

    assert (issue.id, issue.level) == ("settlement.W001", checks.WARNING)
    assert "Asian font pack" in issue.msg and "STATEMENT_PDF_FONT" in issue.hint and "docs/operations.md" in issue.hint
    assert settlement_issues(deploy=False) == []


@override_settings(STATEMENT_PDF_FONT=str(VERA))
def test_a_font_file_to_embed_passes():
    assert settlement_issues() == []


@override_settings(STATEMENT_PDF_FONT="/nonexistent/NotoSansCJK-Regular.ttc")
def test_a_font_path_that_is_no_file_is_an_error():
    (issue,) = settlement_issues()

    assert (issue.id, issue.level) == ("settlement.E001", checks.ERROR)


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("NotoSansCJK-Regular.otf", b"OTTO" + bytes(200), "postscript outlines are not supported"),  # OpenType/CFF
    ("notes.ttf", b"not a font at all", "Not a recognized TrueType font"),
])
def test_a_font_file_reportlab_cannot_embed_is_an_error_naming_why(tmp_path, settings, name, content, reason):
    font = tmp_path / name
    font.write_bytes(content)
    settings.STATEMENT_PDF_FONT = str(font)

    (issue,) = settlement_issues()

    assert (issue.id, issue.level) == ("settlement.E001", checks.ERROR)
    assert str(font) in issue.msg and reason in issue.msg
