"""`manage.py verify_data`: on `seed_demo`'s world every check holds; a row broken behind the services' back (a raw
UPDATE, a PDF changed in the storage) fails its check, which names the row; the exit status and the --json document
tell a cron or a deploy script; work waiting is a warning, never a failure."""
import json
from datetime import datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from core.data_checks import data_checks, run_check
from core.jobs import record_failure
from core.models import JobFailure, Notification
from logistics.models import ReturnEvidence, ReturnRequest
from points.models import LedgerEntry, PointsAccount, PointsLot
from settlement.models import Statement, StatementVersion
from suppliers.models import Contract, ProfileChange, Qualification, StockRecord
from tests.factories import FIXED_NOW, SHANGHAI
from tests.helpers import command_run

# with --dist loadgroup one worker runs the module: the demo is seeded once (seeded_demo), not once per worker
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("verify_data")]


def finding(name: str, *, now=FIXED_NOW):
    (check,) = [check for check in data_checks() if check.name == name]
    return run_check(check, now=now)


def raw_update(model, assignment: str, pk: int) -> None:
    """Change one row as a bad restore, a hand-made fix or a bug would: past the services, in SQL."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {model._meta.db_table} SET {assignment} WHERE id = %s", [pk])


def verify(*arguments) -> tuple[str, int]:
    return command_run("verify_data", *arguments)


def test_every_check_holds_on_the_demo_world(seeded_demo):
    failing = [(f.check.name, f.ids) for f in (run_check(check, now=FIXED_NOW) for check in data_checks()) if f.status == "failed"]

    assert failing == []
    assert {check.name.split(".")[0] for check in data_checks() if not check.warning} == {"points", "suppliers", "logistics", "settlement"}


def test_the_demo_world_has_sent_its_due_texts_so_nothing_warns(seeded_demo):
    """No beat runs beside `make run`: the seed sends what its history made due, as the minutely job would have."""
    warnings = [(f.check.name, f.ids) for f in (run_check(check, now=timezone.now()) for check in data_checks()) if f.status != "ok"]

    assert warnings == []
    assert Notification.objects.filter(status=Notification.Status.SENT).exists()


def test_the_demo_world_has_what_the_checks_read(seeded_demo):
    assert PointsAccount.objects.filter(balance__gt=0).exists() and LedgerEntry.objects.filter(kind="redeem").exists()
    assert StockRecord.objects.filter(reserved__gt=0).exists()
    assert StatementVersion.objects.exclude(pdf="").exclude(pdf_sha256="").exists()
    assert StatementVersion.objects.filter(line_count__gt=0).exists()
    assert Qualification.objects.exclude(file="").exists() and ProfileChange.objects.exclude(evidence="").exists()


@pytest.mark.parametrize(("name", "model", "assignment", "bad_row"), [
    ("points.balance_is_sum_of_entries", PointsAccount, "balance = balance + 7", "account"),
    ("points.lots_hold_the_balance", PointsAccount, "balance = balance + 7", "account"),
    ("points.lots_match_their_allocations", PointsLot, "remaining = remaining - 1", "lot"),
    ("points.lots_match_their_allocations", PointsLot, "earned = earned + 1", "lot"),
    ("points.entries_match_their_allocations", LedgerEntry, "points = points + 1", "entry"),
    ("suppliers.stock_is_sum_of_movements", StockRecord, "on_hand = on_hand + 1", "stock"),
    ("suppliers.stock_is_sum_of_movements", StockRecord, "reserved = reserved - 1", "stock"),
    ("settlement.versions_are_sums_of_lines", StatementVersion, "deliveries = deliveries + 0.01, payable = payable + 0.01", "version"),
    ("settlement.versions_are_sums_of_lines", StatementVersion, "line_count = line_count + 1", "version"),
    ("settlement.statement_payable_is_its_versions", Statement, "payable = payable + 1", "statement"),
])
def test_a_row_changed_behind_the_services_fails_its_check_naming_the_row(seeded_demo, name, model, assignment, bad_row):
    pk = {
        "account": lambda: PointsAccount.objects.filter(balance__gt=0).earliest("pk").pk,
        "lot": lambda: PointsLot.objects.filter(remaining__gt=0).earliest("pk").pk,
        "entry": lambda: LedgerEntry.objects.filter(kind="redeem").latest("pk").pk,
        "stock": lambda: StockRecord.objects.filter(reserved__gt=0).latest("pk").pk,
        "version": lambda: StatementVersion.objects.filter(line_count__gt=0).latest("pk").pk,
        "statement": lambda: Statement.objects.latest("pk").pk,
    }[bad_row]()
    assert finding(name).status == "ok"

    raw_update(model, assignment, pk)

    broken = finding(name)
    assert (broken.status, broken.count, broken.ids) == ("failed", 1, [pk])


@pytest.mark.parametrize(("name", "model", "field"), [
    ("suppliers.contract_files_present", Contract, "file"),
    ("suppliers.qualification_files_present", Qualification, "file"),
    ("suppliers.profile_change_files_present", ProfileChange, "evidence"),
])
def test_an_uploaded_file_missing_from_the_storage_fails_its_check_naming_the_row(seeded_demo, name, model, field):
    pk = model.objects.latest("pk").pk
    assert finding(name).status == "ok"

    raw_update(model, f"{field} = 'uploads/lost-in-the-restore.pdf'", pk)

    broken = finding(name)
    assert (broken.status, broken.count, broken.ids) == ("failed", 1, [pk])


def test_a_returns_evidence_missing_from_the_storage_fails_its_check_naming_it(seeded_demo):
    assert finding("logistics.return_evidence_present").status == "ok"

    lost = ReturnEvidence.objects.create(return_request=ReturnRequest.objects.earliest("pk"), stage=ReturnEvidence.Stage.REQUEST,
                                         file="returns/lost-in-the-restore.jpg", content_type="image/jpeg", uploaded_at=FIXED_NOW)

    broken = finding("logistics.return_evidence_present")
    assert (broken.status, broken.count, broken.ids) == ("failed", 1, [lost.pk])


@pytest.fixture
def stored_pdf(seeded_demo):
    """An issued version's PDF, put back as it was after the test (the storage is no part of the rolled-back transaction)."""
    version = StatementVersion.objects.exclude(pdf="").exclude(pdf_sha256="").latest("pk")
    with version.pdf.open("rb") as pdf:
        content = pdf.read()
    yield version
    storage = version.pdf.storage
    if storage.exists(version.pdf.name):
        storage.delete(version.pdf.name)
    assert storage.save(version.pdf.name, ContentFile(content)) == version.pdf.name


def test_an_issued_pdf_changed_in_the_storage_fails_its_check_naming_the_version(stored_pdf):
    storage = stored_pdf.pdf.storage
    assert finding("settlement.pdfs_stored_unchanged").status == "ok"

    storage.delete(stored_pdf.pdf.name)
    storage.save(stored_pdf.pdf.name, ContentFile(b"%PDF-1.4 not the one issued"))

    broken = finding("settlement.pdfs_stored_unchanged")
    assert (broken.status, broken.count, broken.ids) == ("failed", 1, [stored_pdf.pk])


def test_an_issued_pdf_missing_from_the_storage_fails_its_check_naming_the_version(stored_pdf):
    stored_pdf.pdf.storage.delete(stored_pdf.pdf.name)

    broken = finding("settlement.pdfs_stored_unchanged")

    assert (broken.status, broken.count, broken.ids) == ("failed", 1, [stored_pdf.pk])


def test_the_command_prints_a_line_per_check_and_exits_0_when_all_hold(seeded_demo):
    out, status = verify()

    assert status == 0
    lines = out.splitlines()
    assert len(lines) == len(data_checks()) + 1
    assert all(line.startswith(("ok ", "warning ")) for line in lines[:-1])
    assert lines[-1].startswith(f"{len(data_checks())} checks: ") and ", 0 failed, " in lines[-1]


def test_the_command_exits_1_and_names_the_broken_rows_when_a_check_fails(seeded_demo):
    account = PointsAccount.objects.filter(balance__gt=0).earliest("pk")
    raw_update(PointsAccount, "balance = balance + 7", account.pk)

    out, status = verify()

    assert status == 1
    assert f"FAILED  points.balance_is_sum_of_entries: each account's balance equals the sum of its ledger entries — 1 row(s), ids {account.pk}" in out
    assert ", 2 failed, " in out.splitlines()[-1]  # the lots no longer hold the balance either


def test_the_json_document_gives_each_check_its_status_count_and_ids(seeded_demo):
    lot = PointsLot.objects.filter(remaining__gt=0).earliest("pk")
    raw_update(PointsLot, "remaining = remaining - 1", lot.pk)

    out, status = verify("--json")

    document = json.loads(out)
    by_name = {check["name"]: check for check in document["checks"]}
    assert status == 1 and document["failed"] == 2
    assert by_name["points.lots_match_their_allocations"] | {"rule": ""} == {
        "name": "points.lots_match_their_allocations", "rule": "", "status": "failed", "count": 1, "ids": [lot.pk]}
    assert by_name["points.lots_hold_the_balance"]["ids"] == [lot.account_id]
    assert by_name["suppliers.stock_is_sum_of_movements"] == by_name["suppliers.stock_is_sum_of_movements"] | {"status": "ok", "count": 0, "ids": []}


def test_an_sms_pending_an_hour_past_its_send_time_is_a_warning_and_the_command_still_exits_0(db):
    Notification.objects.filter(status=Notification.Status.PENDING).update(status=Notification.Status.SENT)  # the demo's, if seeded
    due = Notification.objects.create(kind="order_shipped", phone="13800001234", body="…", created_at=FIXED_NOW - timedelta(hours=3),
                                      not_before=FIXED_NOW - timedelta(minutes=61))
    Notification.objects.create(kind="order_shipped", phone="13800001234", body="…", created_at=FIXED_NOW - timedelta(hours=3),
                                not_before=FIXED_NOW - timedelta(minutes=59))

    late = finding("core.outbox_sent_when_due")

    assert (late.status, late.count, late.ids) == ("warning", 1, [due.pk])
    out, status = verify("--json")
    assert status == 0 and json.loads(out)["warnings"] >= 1


@pytest.mark.parametrize("seeded_at", [datetime(2026, 10, 15, 23, 0, tzinfo=SHANGHAI), datetime(2026, 10, 16, 1, 0, tzinfo=SHANGHAI)])
def test_the_demo_seeded_in_the_quiet_hours_sends_what_was_due_before_them_and_leaves_no_backlog(db, seeded_at):
    """What the history made due before the quiet hours went out then, as the minutely sender sent it: the demo has no
    backlog whatever the hour it is seeded at; a text written in them waits for the morning unless it is urgent."""
    from core.seed import seed_sent_texts

    Notification.objects.filter(status=Notification.Status.PENDING).update(status=Notification.Status.SENT)
    evening = Notification.objects.create(kind="order_shipped", phone="13800001234", body="…", created_at=FIXED_NOW,
                                          not_before=datetime(2026, 10, 15, 20, 0, tzinfo=SHANGHAI))
    night = Notification.objects.create(kind="order_shipped", phone="13800001234", body="…", created_at=FIXED_NOW,  # written at 22:30
                                        not_before=datetime(2026, 10, 16, 8, 0, tzinfo=SHANGHAI))
    code = Notification.objects.create(kind="order_shipped", phone="13800001234", body="…", created_at=FIXED_NOW, urgent=True,
                                       not_before=datetime(2026, 10, 15, 22, 30, tzinfo=SHANGHAI))

    seed_sent_texts(now=seeded_at, password="", progress=None)

    sent = set(Notification.objects.filter(status=Notification.Status.SENT).values_list("pk", flat=True))
    assert {evening.pk, code.pk} <= sent and night.pk not in sent
    assert run_check(next(c for c in data_checks() if c.name == "core.outbox_sent_when_due"), now=seeded_at).status == "ok"


def test_an_unresolved_job_failure_is_a_warning(db):
    JobFailure.objects.update(resolved_at=FIXED_NOW)  # the demo's, if seeded
    assert finding("core.no_open_job_failures").status == "ok"

    record_failure(job="points.expire_lots", item="points.pointslot:1", error=RuntimeError("disk full"), at=FIXED_NOW)

    failing = finding("core.no_open_job_failures")
    assert (failing.status, failing.count) == ("warning", 1)


def test_on_development_settings_the_data_checks_run_only_when_told_they_are_meant(settings):
    settings.DEBUG = True

    refused, refused_status = verify()
    refused_json, json_status = verify("--json")
    output, status = verify("--allow-dev-settings")

    assert (refused, refused_status) == ("", 2)  # not 1, a check failed: none ran
    assert json_status == 2 and "--allow-dev-settings" in json.loads(refused_json)["error"]
    assert status == 0 and "0 failed" in output
