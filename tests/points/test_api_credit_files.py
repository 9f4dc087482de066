"""Credit files in the API: the upload answers with the file's preview and credits nothing; `confirm/` credits it once as
one batch (a second confirmation is a 409, the same rows uploaded again credit nothing more); `cancel/` discards it; the
list filters by state; every step is in the file's history. Operators only."""
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from points.models import CreditUpload, LedgerEntry
from points.services import credit_uploads, ledger
from tests.api_schema import mismatches

pytestmark = pytest.mark.django_db
FILES = "/api/v1/points/credit-files/"


def credit_file(*rows: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("赠送.csv", ("\n".join(["手机号,积分", *rows]) + "\n").encode(), content_type="text/csv")


def test_an_upload_answers_with_its_preview_as_the_schema_documents_and_credits_nothing(api, member, other_member, operator):
    response = api(operator).post(FILES, {"file": credit_file(f"{member.phone},300", f"{other_member.phone},200")}, format="multipart")

    body = response.json()
    assert response.status_code == 201 and mismatches("POST", FILES, response) == []
    assert (body["state"], body["status"], body["row_count"], body["points_total"]) == ("previewed", "pending", 2, 500)
    preview = body["preview"]
    assert (preview["rows"], preview["members"], preview["points"], preview["credited_before"]) == (2, 2, 500, None)
    assert [(share["program"], share["members"], share["points"]) for share in preview["programs"]] == [("gotone", 2, 500)]
    assert [row["phone"] for row in preview["first_rows"]] == [f"{m.phone[:3]}****{m.phone[-4:]}" for m in (member, other_member)]
    assert not LedgerEntry.objects.exists()


def test_confirming_credits_the_file_once_and_a_second_confirmation_is_a_409(api, member, operator, django_capture_on_commit_callbacks):
    client = api(operator)
    upload = client.post(FILES, {"file": credit_file(f"{member.phone},300")}, format="multipart").json()

    with django_capture_on_commit_callbacks(execute=True):  # its task credits it once the confirmation commits
        first = client.post(f"{FILES}{upload['id']}/confirm/", {}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(f"{FILES}{upload['id']}/confirm/", {}, format="json")
    shown = client.get(f"{FILES}{upload['id']}/")

    assert first.status_code == 200 and (first.json()["state"], first.json()["preview"]) == ("confirmed", None)
    assert mismatches("POST", f"{FILES}{{id}}/confirm/", first) == []
    assert second.status_code == 409 and [e["code"] for e in second.json()["errors"]] == ["invalid_transition"]
    assert (shown.json()["state"], shown.json()["status"], shown.json()["points_total"]) == ("confirmed", "credited", 300)
    assert ledger.account_of(member).balance == 300 and LedgerEntry.objects.count() == 1


def test_the_same_file_uploaded_again_says_it_was_credited_and_confirming_it_credits_nothing_more(
        api, member, operator, django_capture_on_commit_callbacks):
    client = api(operator)
    first = client.post(FILES, {"file": credit_file(f"{member.phone},300")}, format="multipart").json()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{FILES}{first['id']}/confirm/", {}, format="json")

    again = client.post(FILES, {"file": credit_file(f"{member.phone},300")}, format="multipart").json()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{FILES}{again['id']}/confirm/", {}, format="json")

    assert again["batch"] == first["batch"] and again["preview"]["credited_before"] is not None
    assert client.get(f"{FILES}{again['id']}/").json()["replayed"] is True
    assert ledger.account_of(member).balance == 300 and LedgerEntry.objects.count() == 1


def test_cancelling_discards_the_file_which_then_cannot_be_confirmed_and_the_history_says_who(api, member, operator, queued_tasks):
    client = api(operator)
    upload = client.post(FILES, {"file": credit_file(f"{member.phone},300")}, format="multipart").json()

    cancelled = client.post(f"{FILES}{upload['id']}/cancel/", {"reason": "积分填错"}, format="json")
    confirmed = client.post(f"{FILES}{upload['id']}/confirm/", {}, format="json")
    history = client.get(f"{FILES}{upload['id']}/history/").json()

    assert cancelled.status_code == 200 and cancelled.json()["state"] == "discarded"
    assert confirmed.status_code == 409 and "已取消" in confirmed.json()["errors"][0]["detail"]
    assert [(h["transition"], h["target_state"], h["actor"], h["reason"]) for h in history] == [
        ("upload", "previewed", "operator", ""), ("cancel", "discarded", "operator", "积分填错"),
    ]
    assert queued_tasks == [] and not LedgerEntry.objects.exists()


def test_confirming_a_day_after_the_upload_is_a_409_and_the_file_is_then_discarded_crediting_nothing(api, member, operator, queued_tasks):
    upload = credit_uploads.upload_credit_file(actor=operator, now=timezone.now() - timedelta(hours=25), file_name="c.csv",
                                               content=f"手机号,积分\n{member.phone},300\n".encode())
    client = api(operator)

    confirmed = client.post(f"{FILES}{upload.pk}/confirm/", {}, format="json")
    shown = client.get(f"{FILES}{upload.pk}/").json()

    assert confirmed.status_code == 409 and [e["code"] for e in confirmed.json()["errors"]] == ["preview_expired"]
    assert "24 小时内未确认" in confirmed.json()["errors"][0]["detail"]
    assert (shown["state"], shown["preview"]) == ("discarded", None)
    assert queued_tasks == [] and not LedgerEntry.objects.exists()


def test_a_bad_reason_is_a_400_naming_it_and_changes_nothing(api, member, operator):
    client = api(operator)
    upload = client.post(FILES, {"file": credit_file(f"{member.phone},300")}, format="multipart").json()

    response = client.post(f"{FILES}{upload['id']}/cancel/", {"reason": "长" * 2001}, format="json")

    assert response.status_code == 400 and [e["attr"] for e in response.json()["errors"]] == ["reason"]
    assert CreditUpload.objects.get().state == "previewed"


def test_the_list_filters_by_state_and_refuses_an_unknown_one_naming_it(api, member, operator, now, queued_tasks):
    content = f"手机号,积分\n{member.phone},5\n".encode()
    waiting, dropped = (credit_uploads.upload_credit_file(actor=operator, now=now, file_name="c.csv", content=content) for _ in range(2))
    credit_uploads.discard_credit_upload(upload=dropped, actor=operator, now=now)
    client = api(operator)

    previews = client.get(FILES, {"state": "previewed"})
    discarded = client.get(FILES, {"state": "discarded"})
    bad = client.get(FILES, {"state": "bogus"})

    assert [row["id"] for row in previews.json()["results"]] == [waiting.pk]
    assert [(row["id"], row["state_label"]) for row in discarded.json()["results"]] == [(dropped.pk, "已取消")]
    assert bad.status_code == 400 and [e["attr"] for e in bad.json()["errors"]] == ["state"]


@pytest.mark.parametrize("role", ["member", "supplier_admin", "supplier_staff", "logistics", "finance"])
def test_no_one_but_operators_uploads_lists_reads_confirms_or_cancels_credit_files(request, api, role, member, operator, now):
    upload = credit_uploads.upload_credit_file(actor=operator, now=now, file_name="c.csv", content=f"手机号,积分\n{member.phone},5\n".encode())
    user = request.getfixturevalue(role)
    client = api(getattr(user, "user", user))

    answers = [
        client.post(FILES, {"file": credit_file(f"{member.phone},5")}, format="multipart").status_code,
        client.get(FILES).status_code, client.get(f"{FILES}{upload.pk}/").status_code,
        client.post(f"{FILES}{upload.pk}/confirm/", {}, format="json").status_code,
        client.post(f"{FILES}{upload.pk}/cancel/", {}, format="json").status_code,
    ]

    assert answers == [403] * 5
    assert CreditUpload.objects.get().state == "previewed" and not LedgerEntry.objects.exists()
