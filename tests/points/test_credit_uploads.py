"""Crediting points by file from the portal: the file is checked when it arrives (a bad row keeps nothing) and shown as a
preview, crediting nothing, until an operator confirms it (or discards it); then credited by a task as one idempotent
batch, all or nothing, counting the rows done; the upload keeps the outcome and its history on a page of its own,
listed among the files uploaded, and one the broker never took is picked up again by beat."""
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from core import jobs
from core.errors import InvalidTransition, PermissionDenied
from core.fsm import history_of
from core.tabular import TableRejected
from core.models import Program
from points.errors import CreditPreviewExpired
from points.models import CreditUpload, LedgerEntry
from points.services import credit_uploads, credits, ledger
from points.tasks import discard_stale_credit_previews, pick_up_left_behind_credits
from tests.creation import assert_history_begins_with_creation
from tests.factories import MemberFactory
from tests.portal import downloaded, logged_in

pytestmark = pytest.mark.django_db
PAGE = "/member/credits/"
LEFT = timedelta(minutes=31)  # beyond LEFT_BEHIND_AFTER_MINUTES (30)


def credit_file(*rows: str) -> bytes:
    return ("\n".join(["手机号,积分", *rows]) + "\n").encode()


def uploaded(actor, now, *rows: str) -> CreditUpload:
    return credit_uploads.upload_credit_file(actor=actor, now=now, file_name="赠送.csv", content=credit_file(*rows))


def confirmed(actor, now, *rows: str) -> CreditUpload:
    """A file uploaded and confirmed by `actor` at `now`, its crediting queued (not run)."""
    return credit_uploads.confirm_credit_upload(upload=uploaded(actor, now, *rows), actor=actor, now=now)


def balances(*members) -> list[int]:
    return [ledger.account_of(member).balance for member in members]


def steps(upload) -> list[tuple]:
    return [(log.transition, log.source_state, log.target_state, log.actor) for log in history_of(upload)]


@pytest.fixture
def reported(monkeypatch) -> list[int]:
    """The counts of rows done the crediting writes on its upload, as it writes them."""
    counts: list[int] = []

    @contextmanager
    def recorded(model, pk):
        assert (model, pk) == (CreditUpload, CreditUpload.objects.get().pk)
        yield lambda rows_done, **_seen: counts.append(rows_done)

    monkeypatch.setattr(jobs, "outside_the_transaction", recorded)
    return counts


def test_a_checked_file_is_a_preview_that_credits_nothing_and_queues_nothing(member, other_member, operator, now, queued_tasks,
                                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload = uploaded(operator, now, f"{member.phone},300", f"{other_member.phone},200")

    assert (upload.state, upload.status, upload.row_count, upload.points_total) == ("previewed", "pending", 2, 500)
    assert queued_tasks == [] and not LedgerEntry.objects.exists() and balances(member, other_member) == [0, 0]
    assert steps(upload) == [("upload", "", "previewed", operator)]
    assert_history_begins_with_creation(upload)


def test_a_preview_sums_up_rows_members_points_and_programs_with_its_first_rows_masked(operator, now, monkeypatch):
    MemberFactory(phone="13800138000")
    MemberFactory(phone="13900139000")
    MemberFactory(phone="13700137000", program=Program.objects.get(code=Program.MZONE))
    monkeypatch.setattr(credit_uploads, "PREVIEW_ROWS", 2)
    upload = uploaded(operator, now, "13800138000,300", "13900139000,200", "13700137000,50", "138 0013 8000,1")

    preview = credit_uploads.preview_credit_upload(upload)

    assert (preview.rows, preview.members, preview.points, preview.credited_before) == (4, 3, 551, None)
    assert [tuple(share) for share in preview.programs] == [("gotone", "全球通积分计划", 2, 501), ("mzone", "动感地带M计划", 1, 50)]
    assert [tuple(row) for row in preview.first_rows] == [(2, "138****8000", 300, "积分赠送"), (3, "139****9000", 200, "积分赠送")]


def test_a_file_uploaded_before_its_summary_was_kept_is_summed_up_the_same(operator, now):
    MemberFactory(phone="13800138000")
    MemberFactory(phone="13700137000", program=Program.objects.get(code=Program.MZONE))
    upload = uploaded(operator, now, "13800138000,300", "13700137000,50", "138 0013 8000,1")
    kept = credit_uploads.preview_credit_upload(upload)
    CreditUpload.objects.filter(pk=upload.pk).update(summary=None)
    upload.refresh_from_db()

    preview = credit_uploads.preview_credit_upload(upload)

    assert preview == kept and (preview.members, preview.points) == (2, 351)
    assert [tuple(share) for share in preview.programs] == [("gotone", "全球通积分计划", 1, 301), ("mzone", "动感地带M计划", 1, 50)]


def test_a_preview_of_rows_credited_before_says_when_confirming_them_credits_nothing_more(member, operator, now, queued_tasks):
    first = confirmed(operator, now, f"{member.phone},300")
    credit_uploads.credit_upload(upload_id=first.pk, now=now)
    again = uploaded(operator, now + timedelta(days=1), f"{member.phone},300")

    assert credit_uploads.preview_credit_upload(again).credited_before == now


def test_confirming_a_preview_queues_its_crediting_which_credits_every_row_counting_them_as_it_goes(
        member, other_member, operator, now, queued_tasks, reported, django_capture_on_commit_callbacks):
    upload = uploaded(operator, now, f"{member.phone},300", f"{other_member.phone},200")
    with django_capture_on_commit_callbacks(execute=True):  # its task is queued once the confirmation commits
        confirmed_upload = credit_uploads.confirm_credit_upload(upload=upload, actor=operator, now=now + timedelta(minutes=5))
    waiting = (confirmed_upload.state, confirmed_upload.status, confirmed_upload.rows_done, balances(member, other_member))

    done = credit_uploads.credit_upload(upload_id=upload.pk, now=now, progress_every=1)

    assert waiting == ("confirmed", "pending", 0, [0, 0])
    assert queued_tasks == [("points.tasks.credit_uploaded_points", {"upload_id": upload.pk})]
    assert reported == [1, 2]
    assert (done.status, done.rows_done, done.percent, done.points_total, done.replayed, done.finished_at) == ("credited", 2, 100, 500, False, now)
    assert balances(member, other_member) == [300, 200]
    assert steps(done) == [("upload", "", "previewed", operator), ("confirm", "previewed", "confirmed", operator)]
    assert history_of(done).last().at == now + timedelta(minutes=5)


def test_confirming_twice_is_refused_and_credits_once(member, operator, now, queued_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload = confirmed(operator, now, f"{member.phone},300")
    credit_uploads.credit_upload(upload_id=upload.pk, now=now)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidTransition):
        credit_uploads.confirm_credit_upload(upload=upload, actor=operator, now=now + timedelta(minutes=1))
    credit_uploads.credit_upload(upload_id=upload.pk, now=now + timedelta(minutes=1))

    assert queued_tasks == [("points.tasks.credit_uploaded_points", {"upload_id": upload.pk})]
    assert balances(member) == [300] and LedgerEntry.objects.count() == 1
    assert [step[0] for step in steps(upload)] == ["upload", "confirm"]


def test_a_task_run_for_a_preview_or_a_discarded_file_credits_nothing(member, operator, now, queued_tasks):
    preview = uploaded(operator, now, f"{member.phone},300")
    discarded = credit_uploads.discard_credit_upload(upload=uploaded(operator, now, f"{member.phone},300"), actor=operator, now=now)

    runs = [credit_uploads.credit_upload(upload_id=upload.pk, now=now) for upload in (preview, discarded)]

    assert [(run.state, run.status) for run in runs] == [("previewed", "pending"), ("discarded", "pending")]
    assert balances(member) == [0] and not LedgerEntry.objects.exists()


def test_discarding_a_preview_credits_nothing_ever_and_it_cannot_be_confirmed_after(member, operator, now, queued_tasks):
    upload = uploaded(operator, now, f"{member.phone},300")

    credit_uploads.discard_credit_upload(upload=upload, actor=operator, now=now, reason="积分填错")
    with pytest.raises(InvalidTransition):
        credit_uploads.confirm_credit_upload(upload=upload, actor=operator, now=now)

    upload.refresh_from_db()
    assert (upload.state, queued_tasks, balances(member)) == ("discarded", [], [0])
    assert steps(upload) == [("upload", "", "previewed", operator), ("cancel", "previewed", "discarded", operator)]
    assert history_of(upload).last().reason == "积分填错"


def test_a_confirmed_file_cannot_be_discarded(member, operator, now, queued_tasks):
    upload = confirmed(operator, now, f"{member.phone},300")

    with pytest.raises(InvalidTransition):
        credit_uploads.discard_credit_upload(upload=upload, actor=operator, now=now)

    upload.refresh_from_db()
    assert upload.state == "confirmed" and [step[0] for step in steps(upload)] == ["upload", "confirm"]


@pytest.mark.parametrize("role", ["finance", "logistics", "supplier_admin", "member"])
def test_only_operators_confirm_or_discard_a_preview(request, role, member, operator, now, queued_tasks):
    upload = uploaded(operator, now, f"{member.phone},300")
    user = request.getfixturevalue(role)
    user = getattr(user, "user", user)

    for step in (credit_uploads.confirm_credit_upload, credit_uploads.discard_credit_upload):
        with pytest.raises(PermissionDenied):
            step(upload=upload, actor=user, now=now)

    upload.refresh_from_db()
    assert upload.state == "previewed" and queued_tasks == []


def test_beat_discards_previews_left_unconfirmed_for_a_day_and_no_others(member, operator, now, queued_tasks, settings):
    stale = uploaded(operator, now - timedelta(hours=24), f"{member.phone},300")
    fresh = uploaded(operator, now - timedelta(hours=23), f"{member.phone},300")
    done = confirmed(operator, now - timedelta(hours=30), f"{member.phone},300")

    assert credit_uploads.discard_stale_previews(now=now) == 1

    assert [CreditUpload.objects.get(pk=u.pk).state for u in (stale, fresh, done)] == ["discarded", "previewed", "confirmed"]
    assert steps(stale)[-1] == ("expire", "previewed", "discarded", None)
    assert "24 小时内未确认" in history_of(stale).last().reason_text
    assert balances(member) == [0]
    assert discard_stale_credit_previews.name in {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def test_why_beat_discarded_a_preview_reads_in_the_readers_language_whatever_language_beat_ran_in(member, operator, now):
    stale = uploaded(operator, now - timedelta(hours=24), f"{member.phone},300")
    with translation.override("en"):
        credit_uploads.discard_stale_previews(now=now)

    expiry = history_of(stale).last()

    with translation.override("zh-hans"):
        assert expiry.reason_label == "上传后 24 小时内未确认，已自动取消，未发放任何积分"
    with translation.override("en"):
        assert expiry.reason_label == "Not confirmed within 24 hours of its upload: cancelled automatically, no points credited"


def test_confirming_a_preview_a_day_after_its_upload_discards_it_instead_and_credits_nothing(member, operator, now, queued_tasks):
    upload = uploaded(operator, now - timedelta(hours=24), f"{member.phone},300")

    with pytest.raises(CreditPreviewExpired):
        credit_uploads.confirm_credit_upload(upload=upload, actor=operator, now=now)

    upload.refresh_from_db()
    assert upload.state == "discarded" and steps(upload)[-1] == ("expire", "previewed", "discarded", None)
    assert history_of(upload).last().reason_text == "上传后 24 小时内未确认，已自动取消，未发放任何积分"
    assert queued_tasks == [] and balances(member) == [0]
    assert credit_uploads.discard_stale_previews(now=now + timedelta(hours=1)) == 0  # beat finds nothing left to do


def test_a_preview_is_confirmed_until_its_day_is_over(member, operator, now, queued_tasks):
    upload = uploaded(operator, now - timedelta(hours=24) + timedelta(seconds=1), f"{member.phone},300")

    credit_uploads.confirm_credit_upload(upload=upload, actor=operator, now=now)

    upload.refresh_from_db()
    assert upload.state == "confirmed" and [step[0] for step in steps(upload)] == ["upload", "confirm"]


def test_confirming_a_preview_discarded_a_day_after_its_upload_is_refused_as_discarded(member, operator, now, queued_tasks):
    upload = uploaded(operator, now - timedelta(hours=25), f"{member.phone},300")
    credit_uploads.discard_stale_previews(now=now - timedelta(hours=1))

    with pytest.raises(InvalidTransition):
        credit_uploads.confirm_credit_upload(upload=upload, actor=operator, now=now)

    assert [step[0] for step in steps(upload)] == ["upload", "expire"] and queued_tasks == []


def test_a_bad_row_rejects_the_file_naming_its_row_and_keeps_nothing(member, operator, now, queued_tasks):
    with pytest.raises(TableRejected) as rejected:
        uploaded(operator, now, f"{member.phone},300", "19999999999,100")

    assert [(p.row, p.column) for p in rejected.value.problems] == [(3, "phone")]
    assert not CreditUpload.objects.exists() and not LedgerEntry.objects.exists() and queued_tasks == []


def test_only_operators_credit_by_file(member, finance, now):
    with pytest.raises(PermissionDenied):
        uploaded(finance, now, f"{member.phone},300")

    assert not CreditUpload.objects.exists()


def test_the_same_rows_uploaded_again_credit_nothing_more_and_the_upload_says_when_they_were(member, operator, now, queued_tasks):
    first = confirmed(operator, now, f"{member.phone},300")
    credit_uploads.credit_upload(upload_id=first.pk, now=now)
    again = confirmed(operator, now + timedelta(hours=1), f"{member.phone},300")

    replay = credit_uploads.credit_upload(upload_id=again.pk, now=now + timedelta(hours=1))

    assert again.batch == first.batch
    assert (replay.status, replay.replayed, replay.credited_at, replay.points_total) == ("credited", True, now, 300)
    assert balances(member) == [300] and LedgerEntry.objects.count() == 1


def test_crediting_an_upload_twice_credits_it_once(member, operator, now, queued_tasks):
    upload = confirmed(operator, now, f"{member.phone},300")

    credit_uploads.credit_upload(upload_id=upload.pk, now=now)
    second = credit_uploads.credit_upload(upload_id=upload.pk, now=now + timedelta(minutes=1))

    assert (second.status, second.replayed, second.finished_at) == ("credited", False, now)
    assert balances(member) == [300]


def test_a_batch_taken_by_other_rows_since_the_check_rejects_the_upload_and_credits_none(member, other_member, operator, now, queued_tasks):
    upload = confirmed(operator, now, f"{member.phone},300", f"{other_member.phone},200")
    credits.credit_points_in_bulk(batch_id=upload.batch, rows=[{"phone": member.phone, "points": 1}], actor=operator, now=now)

    done = credit_uploads.credit_upload(upload_id=upload.pk, now=now)

    assert done.status == "rejected" and [p["code"] for p in done.problems] == ["batch_taken"]
    assert balances(member, other_member) == [1, 0]


def test_an_unexpected_error_halfway_credits_nothing_keeps_where_it_stopped_says_so_and_is_raised(
        member, other_member, operator, now, queued_tasks, monkeypatch, reported):
    upload = confirmed(operator, now, f"{member.phone},300", f"{other_member.phone},200")
    earn = ledger.earn_points

    def down_at_the_second(**kwargs):
        if kwargs["member"] == other_member:
            raise RuntimeError("ledger down")
        return earn(**kwargs)

    monkeypatch.setattr(ledger, "earn_points", down_at_the_second)
    with pytest.raises(RuntimeError):
        credit_uploads.credit_upload(upload_id=upload.pk, now=now, progress_every=1)

    upload.refresh_from_db()
    assert (upload.status, upload.rows_done, [(p["row"], p["code"]) for p in upload.problems]) == ("rejected", 1, [(None, "error")])
    assert not LedgerEntry.objects.exists() and balances(member, other_member) == [0, 0]


def test_an_upload_left_behind_is_credited_when_beat_picks_it_up(member, operator, now, broker_down, monkeypatch, settings,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        kept = confirmed(operator, now, f"{member.phone},300")
    monkeypatch.undo()  # the broker is back

    assert credit_uploads.pick_up_left_behind_uploads(now=now + timedelta(minutes=10)) == (0, 0)  # not left behind yet
    with django_capture_on_commit_callbacks(execute=True):
        assert credit_uploads.pick_up_left_behind_uploads(now=now + LEFT) == (1, 0)

    kept.refresh_from_db()
    assert (kept.status, kept.requeues) == ("credited", 1) and balances(member) == [300]
    assert pick_up_left_behind_credits.name in {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def test_an_upload_queued_again_too_often_is_rejected_with_its_reason_on_its_page(member, operator, now, queued_tasks):
    kept = confirmed(operator, now, f"{member.phone},300")
    CreditUpload.objects.filter(pk=kept.pk).update(requeues=3)

    assert credit_uploads.pick_up_left_behind_uploads(now=now + LEFT) == (0, 1)

    html = logged_in(operator).get(f"{PAGE}{kept.pk}/").content.decode()
    assert "发放任务多次未能运行，未发放任何积分，请重新上传" in html
    assert balances(member) == [0]


# --- the pages -------------------------------------------------------------------------------------------------------

def upload_file(*rows: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("赠送.csv", credit_file(*rows), content_type="text/csv")


def test_an_uploaded_file_goes_to_its_preview_which_credits_nothing_until_confirmed_then_shows_what_was_credited(
        member, other_member, operator, django_capture_on_commit_callbacks):
    client = logged_in(operator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PAGE, {"file": upload_file(f"{member.phone},300", f"{other_member.phone},200")})
    preview = client.get(response["Location"]).content.decode()
    untouched = balances(member, other_member)
    upload = CreditUpload.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        confirming = client.post(f"{PAGE}{upload.pk}/confirm/")
    page = client.get(confirming["Location"]).content.decode()
    listing = client.get(PAGE).content.decode()

    assert response.status_code == 302 and response["Location"] == f"{PAGE}{upload.pk}/"
    assert untouched == [0, 0] and 'data-testid="preview"' in preview and 'data-testid="credited"' not in preview
    assert '<td class="num" data-testid="preview-members">2</td>' in preview and '<td class="num" data-testid="preview-points">500</td>' in preview
    assert f"{member.phone[:3]}****{member.phone[-4:]}" in preview and member.phone not in preview
    assert 'data-action="confirm"' in preview and 'data-action="cancel"' in preview and "确认入账" in preview
    assert confirming.status_code == 302 and confirming["Location"] == f"{PAGE}{upload.pk}/"
    assert 'data-testid="credited"' in page and "已发放 2 行，共 500 积分" in page and 'data-action="confirm"' not in page
    assert 'data-testid="history"' in page and "确认" in page.split('data-testid="history"', 1)[1]
    assert f'href="{PAGE}{upload.pk}/"' in listing and "赠送.csv" in listing
    assert balances(member, other_member) == [300, 200]


def test_confirming_again_from_a_stale_page_is_a_409_and_credits_once(member, operator, django_capture_on_commit_callbacks):
    client = logged_in(operator)
    client.post(PAGE, {"file": upload_file(f"{member.phone},300")})
    upload = CreditUpload.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(f"{PAGE}{upload.pk}/confirm/")
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(f"{PAGE}{upload.pk}/confirm/")

    assert (first.status_code, second.status_code) == (302, 409)
    assert "已确认" in [str(m) for m in second.context["messages"]][0]
    assert balances(member) == [300] and LedgerEntry.objects.count() == 1


def test_confirming_from_the_page_a_day_after_the_upload_is_a_409_saying_the_file_was_cancelled(member, operator, queued_tasks):
    upload = uploaded(operator, timezone.now() - timedelta(hours=25), f"{member.phone},300")
    client = logged_in(operator)

    response = client.post(f"{PAGE}{upload.pk}/confirm/")

    page = response.content.decode()
    upload.refresh_from_db()
    assert response.status_code == 409 and upload.state == "discarded" and queued_tasks == []
    assert "上传后 24 小时内未确认，已自动取消" in [str(m) for m in response.context["messages"]][0]
    assert 'data-testid="discarded"' in page and 'data-action="confirm"' not in page
    assert balances(member) == [0]


def test_cancelling_a_preview_from_its_page_discards_it_crediting_nothing(member, operator, queued_tasks):
    client = logged_in(operator)
    client.post(PAGE, {"file": upload_file(f"{member.phone},300")})
    upload = CreditUpload.objects.get()

    response = client.post(f"{PAGE}{upload.pk}/cancel/", {"reason": "文件有误"})
    page = client.get(f"{PAGE}{upload.pk}/").content.decode()

    upload.refresh_from_db()
    assert response.status_code == 302 and upload.state == "discarded" and queued_tasks == []
    assert 'data-testid="discarded"' in page and "文件有误" in page and 'data-action="confirm"' not in page
    assert balances(member) == [0]


def test_the_list_of_credit_files_shows_where_each_stands_and_filters_by_state(member, operator, now, queued_tasks):
    waiting = uploaded(operator, now, f"{member.phone},100")
    dropped = credit_uploads.discard_credit_upload(upload=uploaded(operator, now, f"{member.phone},200"), actor=operator, now=now)
    sent = confirmed(operator, now, f"{member.phone},300")
    client = logged_in(operator)

    everything = client.get(PAGE)
    previews = client.get(PAGE, {"state": "previewed"})
    bad = client.get(PAGE, {"state": "bogus"})

    def rows(response) -> list[int]:
        return [upload.pk for upload in response.context["page_obj"]]

    assert set(rows(everything)) == {waiting.pk, dropped.pk, sent.pk} and rows(previews) == [waiting.pk]
    shown = everything.content.decode()
    assert all(label in shown for label in ("待确认", "已取消", "发放中"))
    assert '<td data-testid="decision">取消 · ' in shown and '<td data-testid="decision">确认 · ' in shown
    assert '<td data-testid="decision">—</td>' in shown
    assert bad.status_code == 400 and rows(bad) == [] and "state" in bad.context["filters"].errors


def test_a_file_being_credited_shows_how_far_it_has_got_and_looks_again(member, other_member, operator, now, queued_tasks):
    upload = confirmed(operator, now, f"{member.phone},300", f"{other_member.phone},200")
    CreditUpload.objects.filter(pk=upload.pk).update(rows_done=1)

    page = logged_in(operator).get(f"{PAGE}{upload.pk}/").content.decode()
    listing = logged_in(operator).get(PAGE).content.decode()

    assert 'data-testid="credit-progress"' in page and "已处理 1/2 行" in page and '<progress max="100" value="50">' in page
    assert "window.location.reload()" in page
    assert '<small data-testid="rows-done">1/2</small>' in listing


def test_a_bad_file_comes_back_with_its_problems_and_nothing_is_kept(member, operator):
    page = logged_in(operator).post(PAGE, {"file": upload_file(f"{member.phone},-5")}).content.decode()

    assert 'data-testid="problems"' in page and "第2行" in page
    assert not CreditUpload.objects.exists() and not LedgerEntry.objects.exists()


@pytest.mark.parametrize("role", ["finance", "logistics", "supplier_admin", "member"])
def test_no_one_but_operators_opens_the_pages_of_credit_files(request, role, member, operator, now, queued_tasks):
    upload = uploaded(operator, now, f"{member.phone},300")
    user = request.getfixturevalue(role)
    client = logged_in(getattr(user, "user", user))

    answers = (client.get(PAGE).status_code, client.get(f"{PAGE}{upload.pk}/").status_code)

    assert answers == (403, 403)



def _credit_csv(*rows: str) -> bytes:
    return ("\n".join(["手机号,积分,原因", *rows]) + "\n").encode()


def test_a_credit_files_rows_are_shown_with_the_phone_masked_as_read_and_the_reasons_label(operator, now, queued_tasks):
    MemberFactory(phone="13800138000")
    MemberFactory(phone="13900139000")
    upload = credit_uploads.upload_credit_file(actor=operator, now=now, file_name="赠送.csv",
                                               content=_credit_csv("+86 138 0013 8000,300,", "13900139000,1200,promotion"))

    rows = credit_uploads.credit_rows(upload)

    assert [tuple(row) for row in rows] == [(2, "138****8000", 300, "积分赠送"), (3, "139****9000", 1200, "活动奖励")]


def test_the_credit_files_page_lists_its_rows_masked_50_a_page(operator, now, queued_tasks):
    phones = [f"1370000{n:04d}" for n in range(51)]
    for phone in phones:
        MemberFactory(phone=phone)
    upload = credit_uploads.upload_credit_file(actor=operator, now=now, file_name="赠送.csv",
                                               content=credit_file(*(f"{phone},{n + 1}" for n, phone in enumerate(phones))))
    client = logged_in(operator)

    first, second = (client.get(f"{PAGE}{upload.pk}/", {"page": page}) for page in (1, 2))

    table = second.content.decode().split('data-testid="credit-rows"', 1)[1].split("</table>", 1)[0]
    assert len(first.context["page_obj"]) == 50 and first.context["page_obj"].paginator.count == 51
    assert '<tr data-line="52"><td>52</td><td>137****0050</td><td class="num">51</td><td>积分赠送</td></tr>' in table
    assert phones[50] not in second.content.decode()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_credit_files_rows_download_whole_with_the_phones_masked(member, other_member, operator, now, queued_tasks, file_format):
    upload = uploaded(operator, now, f"{member.phone},300", f"{other_member.phone},200")

    rows = downloaded(logged_in(operator).get(f"{PAGE}{upload.pk}/rows.{file_format}"))

    assert rows == [["行号", "手机号", "积分", "原因"], ["2", f"{member.phone[:3]}****{member.phone[-4:]}", "300", "积分赠送"],
                    ["3", f"{other_member.phone[:3]}****{other_member.phone[-4:]}", "200", "积分赠送"]]


def test_only_operators_download_a_credit_files_rows_and_another_format_or_file_is_404(member, operator, finance, now, queued_tasks):
    upload = uploaded(operator, now, f"{member.phone},300")

    assert logged_in(finance).get(f"{PAGE}{upload.pk}/rows.csv").status_code == 403
    assert logged_in(member.user).get(f"{PAGE}{upload.pk}/rows.csv").status_code == 403
    assert logged_in(operator).get(f"{PAGE}{upload.pk}/rows.pdf").status_code == 404
    assert logged_in(operator).get(f"{PAGE}{upload.pk + 1}/rows.csv").status_code == 404
