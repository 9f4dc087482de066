"""A large statement's PDF whose render fails: tried again with growing waits, then the failure is recorded on the
version, its page and the API saying so instead of 「生成中」; finance queues the render again from the statement page,
and rendering being deterministic, the PDF that comes has the bytes and SHA-256 a first render would have given."""
import hashlib
from unittest import mock

import pytest
from django.test import override_settings

from settlement import pdf
from settlement.models import StatementVersion
from settlement.services import statements
from tests.portal import logged_in
from tests.settlement.conftest import GENERATED_AT

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("large")]
ISSUED_AT = GENERATED_AT.replace(hour=10)


@pytest.fixture
def large():
    with override_settings(STATEMENT_PDF_INLINE_LINES=0):  # every statement's PDF is rendered by the task
        yield


@pytest.fixture
def failed(draft, finance, django_capture_on_commit_callbacks):
    """The draft issued, its PDF's render failing every time (the task tried 1 + 3 times)."""
    with mock.patch.object(pdf, "render_statement", side_effect=RuntimeError("font missing")) as render:
        with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
            statements.issue_statement(statement=draft, actor=finance, now=ISSUED_AT)
    assert render.call_count == 4
    return StatementVersion.objects.get(statement=draft)


def test_a_render_that_fails_once_is_tried_again_and_stores_the_pdf(draft, finance, django_capture_on_commit_callbacks):
    render, tries = pdf.render_statement, []

    def fails_once(version):
        tries.append(version.pk)
        if len(tries) == 1:
            raise RuntimeError("disk full")
        return render(version)

    with mock.patch.object(pdf, "render_statement", side_effect=fails_once) as renders:
        with django_capture_on_commit_callbacks(execute=True):
            statements.issue_statement(statement=draft, actor=finance, now=ISSUED_AT)

    version = StatementVersion.objects.get(statement=draft)
    assert renders.call_count == 2
    assert version.pdf_status == "stored" and version.pdf_failed_at is None


def test_a_render_that_keeps_failing_is_recorded_and_the_page_and_api_say_so(failed, finance, api):
    assert failed.statement.state == "issued" and not failed.pdf
    assert failed.pdf_failed_at is not None and failed.pdf_error == "RuntimeError: font missing"
    client = logged_in(finance)

    chinese = client.get(f"/settlement/statements/{failed.statement_id}/").content.decode()
    english = client.get(f"/settlement/statements/{failed.statement_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "PDF 生成失败，系统将重试" in chinese and 'data-testid="pdf-rendering"' not in chinese
    assert "RuntimeError: font missing" in chinese  # why, for finance
    assert "PDF generation failed; the system will retry" in english
    version = api(finance).get(f"/api/v1/statements/{failed.statement_id}/").json()["versions"][0]
    assert (version["has_pdf"], version["pdf_status"]) == (False, "failed")


def test_once_beat_stops_queueing_a_failed_render_the_page_asks_finance_to_render_it_again(failed, finance, settings):
    StatementVersion.objects.filter(pk=failed.pk).update(pdf_requeues=settings.LEFT_BEHIND_REQUEUES)
    client = logged_in(finance)

    chinese = client.get(f"/settlement/statements/{failed.statement_id}/").content.decode()
    english = client.get(f"/settlement/statements/{failed.statement_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "PDF 生成失败，请财务人员重新生成" in chinese and "系统将重试" not in chinese
    assert "PDF generation failed; finance can render it again" in english and 'data-action="render_pdf"' in chinese


def test_finance_renders_a_failed_pdf_again_from_the_statement_page_with_the_same_bytes(failed, finance,
                                                                                     django_capture_on_commit_callbacks):
    client = logged_in(finance)
    assert 'data-action="render_pdf"' in client.get(f"/settlement/statements/{failed.statement_id}/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/settlement/statements/{failed.statement_id}/versions/1/pdf/render/")

    assert response.status_code == 302
    version = StatementVersion.objects.get(pk=failed.pk)
    content = version.pdf.read()
    assert (version.pdf_status, version.pdf_error, version.pdf_failed_at) == ("stored", "", None)
    assert version.pdf_sha256 == hashlib.sha256(content).hexdigest() == hashlib.sha256(pdf.render_statement(version)).hexdigest()
    page = client.get(f"/settlement/statements/{failed.statement_id}/").content.decode()
    assert 'data-testid="pdf-link"' in page and 'data-action="render_pdf"' not in page


@pytest.mark.parametrize("role", ["operator", "supplier_admin"])
def test_only_finance_may_render_a_pdf_again(failed, role, request, queued_tasks):
    response = logged_in(request.getfixturevalue(role)).post(f"/settlement/statements/{failed.statement_id}/versions/1/pdf/render/")

    assert response.status_code == 403
    assert StatementVersion.objects.get(pk=failed.pk).pdf_failed_at == failed.pdf_failed_at and queued_tasks == []


def test_another_suppliers_statement_is_not_found(failed, other_supplier_admin):
    response = logged_in(other_supplier_admin).post(f"/settlement/statements/{failed.statement_id}/versions/1/pdf/render/")

    assert response.status_code in (403, 404)


def test_a_stored_pdf_is_not_rendered_again(draft, finance, queued_tasks):
    with override_settings(STATEMENT_PDF_INLINE_LINES=2000):
        issued = statements.issue_statement(statement=draft, actor=finance, now=ISSUED_AT)
    client = logged_in(finance)

    response = client.post(f"/settlement/statements/{issued.pk}/versions/1/pdf/render/", follow=True)

    assert "该版本的 PDF 已生成或尚未下发，无需重新生成" in response.content.decode()
    assert queued_tasks == []


@pytest.mark.parametrize(("retries", "countdown"), [(0, 60), (1, 120), (2, 240)])
def test_a_worker_tries_a_failed_render_again_after_1_2_and_4_minutes(issued, retries, countdown):
    from celery.exceptions import Retry

    from settlement.tasks import render_statement_pdf

    version = StatementVersion.objects.get(statement=issued)
    StatementVersion.objects.filter(pk=version.pk).update(pdf="")
    render_statement_pdf.push_request(retries=retries, is_eager=False)
    try:
        with mock.patch.object(pdf, "render_statement", side_effect=RuntimeError("font missing")), \
                mock.patch.object(render_statement_pdf, "retry", side_effect=Retry()) as retry, pytest.raises(Retry):
            render_statement_pdf.run(version_id=version.pk)
    finally:
        render_statement_pdf.pop_request()

    assert retry.call_args.kwargs["countdown"] == countdown
    assert StatementVersion.objects.get(pk=version.pk).pdf_failed_at is None  # not given up yet


def test_a_render_queued_by_the_previous_release_with_the_id_positional_still_stores_the_pdf(draft, finance):
    from settlement.tasks import render_statement_pdf

    statements.issue_statement(statement=draft, actor=finance, now=ISSUED_AT)  # the task not run: no on-commit here
    version = StatementVersion.objects.get(statement=draft)
    assert not version.pdf

    render_statement_pdf.delay(version.pk)  # as `render_statement_pdf.delay(pk)` queued it before

    assert StatementVersion.objects.get(pk=version.pk).pdf_status == "stored"


def test_two_renders_at_once_store_one_pdf_and_leave_no_second_copy_in_the_storage(draft, finance):
    from tests.settlement.test_pdf_rollback import stored_files

    statements.issue_statement(statement=draft, actor=finance, now=ISSUED_AT)  # the task not run: no on-commit here
    first, second = (StatementVersion.objects.select_related("statement").get(statement=draft) for _ in range(2))
    before, render = stored_files(), pdf.render_statement

    def the_other_stores_meanwhile(version):
        content = render(version)
        if version is first:  # while the first renders, the second (a retry, beat, the button) stores its PDF
            statements.store_pdf(second)
        return content

    with mock.patch.object(pdf, "render_statement", side_effect=the_other_stores_meanwhile):
        statements.store_pdf(first)

    stored = StatementVersion.objects.get(pk=first.pk)
    assert stored_files() - before == {stored.pdf.name}
    assert (first.pdf.name, first.pdf_sha256) == (stored.pdf.name, stored.pdf_sha256)


def test_a_render_still_running_is_not_queued_again_from_the_page_until_it_is_left_behind(draft, finance, queued_tasks,
                                                                                         django_capture_on_commit_callbacks):
    from datetime import timedelta

    from core import jobs

    statements.issue_statement(statement=draft, actor=finance, now=ISSUED_AT)  # queued, not run: still rendering
    client = logged_in(finance)
    url = f"/settlement/statements/{draft.pk}/"
    queued_tasks.clear()

    with mock.patch("django.utils.timezone.now", return_value=ISSUED_AT + timedelta(minutes=5)):
        page = client.get(url).content.decode()
        response = client.post(f"{url}versions/1/pdf/render/", follow=True)
    assert 'data-testid="pdf-rendering"' in page and 'data-action="render_pdf"' not in page
    assert "该版本的 PDF 正在生成，请稍后再试" in response.content.decode() and queued_tasks == []

    later = jobs.left_behind_before(ISSUED_AT) - ISSUED_AT  # negative: the threshold's length
    with mock.patch("django.utils.timezone.now", return_value=ISSUED_AT - later + timedelta(minutes=1)):
        assert 'data-action="render_pdf"' in client.get(url).content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"{url}versions/1/pdf/render/")
    assert len(queued_tasks) == 1


def test_the_page_reads_itself_again_while_a_pdf_renders_and_stops_once_it_is_stored(draft, finance, supplier_admin,
                                                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as render:
        statements.issue_statement(statement=draft, actor=finance, now=ISSUED_AT)
    url = f"/settlement/statements/{draft.pk}/"

    rendering = [logged_in(user).get(url).content.decode() for user in (finance, supplier_admin)]
    for callback in render:
        callback()
    stored = logged_in(supplier_admin).get(url).content.decode()

    assert all('data-testid="pdf-rendering"' in page and 'data-testid="pdf-reload"' in page for page in rendering)
    assert 'data-testid="pdf-rendering"' not in stored and 'data-testid="pdf-reload"' not in stored
    assert StatementVersion.objects.get(statement=draft).pdf_status == "stored"


def test_a_failed_render_stops_the_page_reading_itself_again(failed, finance):
    page = logged_in(finance).get(f"/settlement/statements/{failed.statement_id}/").content.decode()

    assert 'data-testid="pdf-failed"' in page and 'data-testid="pdf-reload"' not in page
