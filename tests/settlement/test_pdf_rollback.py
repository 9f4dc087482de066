"""An issue that fails after its PDF was rendered and stored rolls back the statement and leaves no PDF (which prints
the supplier's bank account) in the storage; issuing again stores the one PDF."""
import os
from unittest import mock

import pytest
from django.conf import settings

from core.errors import InvalidTransition
from settlement.models import Statement, StatementVersion
from settlement.services import statements
from tests.settlement.conftest import GENERATED_AT

pytestmark = pytest.mark.django_db


def stored_files() -> set[str]:
    return {os.path.relpath(os.path.join(folder, name), settings.MEDIA_ROOT)
            for folder, _folders, names in os.walk(settings.MEDIA_ROOT) for name in names}


def test_an_issue_rolled_back_after_its_pdf_was_stored_leaves_no_pdf_behind(draft, finance):
    before = stored_files()

    with mock.patch.object(statements, "_tell_supplier", side_effect=RuntimeError("notice failed")), pytest.raises(RuntimeError):
        statements.issue_statement(statement=draft, actor=finance, now=GENERATED_AT.replace(hour=10))

    assert Statement.objects.get(pk=draft.pk).state == "draft"
    assert stored_files() == before


def test_issuing_again_after_a_rollback_stores_one_pdf(draft, finance):
    before = stored_files()
    with mock.patch.object(statements, "_tell_supplier", side_effect=RuntimeError("notice failed")), pytest.raises(RuntimeError):
        statements.issue_statement(statement=draft, actor=finance, now=GENERATED_AT.replace(hour=10))

    statements.issue_statement(statement=Statement.objects.get(pk=draft.pk), actor=finance, now=GENERATED_AT.replace(hour=11))

    version = StatementVersion.objects.get(statement=draft)
    assert stored_files() - before == {version.pdf.name}  # the one PDF, none left from the first try


def test_issuing_an_issued_statement_again_is_refused_and_keeps_its_pdf(issued, finance):
    version = StatementVersion.objects.get(statement=issued)
    name = version.pdf.name

    with pytest.raises(InvalidTransition):
        statements.issue_statement(statement=issued, actor=finance, now=GENERATED_AT.replace(hour=12))

    assert StatementVersion.objects.get(pk=version.pk).pdf.name == name and version.pdf.storage.exists(name)
