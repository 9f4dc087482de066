"""A reconciliation line keeps every resolution (SPEC §4.11): resolved, open again when the adjustment it proposed is
rejected or withdrawn, resolved again, each resolution kept with who, when, the note and the adjustment, on its page and
in the API; accepting ours and writing off need a note."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core.errors import ValidationFailed
from settlement.models import Adjustment, Category, LineResolution, ReconciliationLine, Resolution
from settlement.services.adjustments import propose_adjustment, reject_adjustment, withdraw_adjustment
from settlement.services.reconciliation import resolve_line
from tests.portal import field_errors, logged_in
from tests.settlement.test_reconciliation import SUPPLIER_ROWS, csv_bytes, disputed, line_in, statement, upload  # noqa: F401  (fixtures)


@pytest.fixture
def uploaded(statement, supplier_admin, now):  # noqa: F811
    """September's statement reconciled against a file with a line of every category."""
    return upload(statement, supplier_admin, now, csv_bytes(SUPPLIER_ROWS))


def kept(line) -> list[tuple]:
    return [(r.resolution, r.resolved_by, r.resolved_at, r.note_text, r.adjustment) for r in line.resolution_log.order_by("resolved_at", "pk")]


def rejected_once(uploaded, finance, finance_checker, now) -> tuple[ReconciliationLine, Adjustment]:
    """RO-9's line accepted (an adjustment proposed) by finance, which finance2 rejects an hour later."""
    line = resolve_line(line=line_in(uploaded, Category.MISSING_IN_OURS), resolution=Resolution.ACCEPT_THEIRS, actor=finance,
                        now=now, note="对方有签收单")
    first = line.adjustment
    reject_adjustment(adjustment=first, actor=finance_checker, now=now + timedelta(hours=1), note="签收单不清晰")
    line.refresh_from_db()
    return line, first


def test_resolving_a_line_again_after_its_adjustment_was_rejected_keeps_the_first_decision(uploaded, finance, finance_checker, now):
    line, first = rejected_once(uploaded, finance, finance_checker, now)

    line = resolve_line(line=line, resolution=Resolution.WRITE_OFF, actor=finance_checker, now=now + timedelta(hours=2), note="金额小，核销")

    assert (line.resolution, line.resolved_by, line.note, line.adjustment, line.open) == (
        Resolution.WRITE_OFF, finance_checker, "金额小，核销", None, False)
    assert kept(line) == [
        (Resolution.ACCEPT_THEIRS, finance, now, "对方有签收单", first),
        (Resolution.WRITE_OFF, finance_checker, now + timedelta(hours=2), "金额小，核销", None),
    ]
    assert Adjustment.objects.get(pk=first.pk).state == Adjustment.State.REJECTED


def test_a_withdrawn_adjustment_s_resolution_is_kept_when_the_line_is_resolved_again(uploaded, finance, now):
    line = resolve_line(line=line_in(uploaded, Category.MISSING_IN_OURS), resolution=Resolution.CARRY_FORWARD, actor=finance, now=now)
    withdrawn = line.adjustment
    withdraw_adjustment(adjustment=withdrawn, actor=finance, now=now, reason="金额算错")

    again = resolve_line(line=line, resolution=Resolution.CARRY_FORWARD, actor=finance, now=now + timedelta(minutes=5))

    assert [(resolution, adjustment.state) for resolution, _by, _at, _note, adjustment in kept(again)] == [
        (Resolution.CARRY_FORWARD, Adjustment.State.WITHDRAWN), (Resolution.CARRY_FORWARD, Adjustment.State.PROPOSED)]
    assert again.adjustment != withdrawn


def test_a_dispute_adjustment_answering_a_line_is_kept_as_its_resolution(disputed, supplier, finance, now):  # noqa: F811
    claim = ReconciliationLine.objects.get(category=Category.MISSING_IN_OURS)

    answer = propose_adjustment(supplier=supplier, kind="dispute", amount="180.00", reason="补计 1 盒", statement=disputed,
                                actor=finance, now=now, reconciliation_lines=[claim.pk])

    assert kept(claim) == [(Resolution.ACCEPT_THEIRS, finance, now, f"由异议调整 {answer.number} 处理", answer)]
    with translation.override("en"):
        assert claim.resolution_log.get().note_label == f"Answered by dispute adjustment {answer.number}"


@pytest.mark.parametrize("resolution", [Resolution.ACCEPT_OURS, Resolution.WRITE_OFF])
@pytest.mark.parametrize("note", ["", "   "])
def test_accepting_ours_or_writing_off_without_a_note_is_refused_naming_the_note(uploaded, finance, now, resolution, note):
    line = line_in(uploaded, Category.QUANTITY_MISMATCH)

    with pytest.raises(ValidationFailed) as refused:
        resolve_line(line=line, resolution=resolution, actor=finance, now=now, note=note)

    line.refresh_from_db()
    assert (refused.value.field, refused.value.code) == ("note", "required") and "请填写处理说明" in refused.value.detail
    assert (line.resolution, line.open) == ("", True) and not LineResolution.objects.exists()


def test_a_write_off_without_a_note_of_a_line_a_colleague_resolved_is_the_409_that_it_is_resolved(api, uploaded, finance, finance_checker, now):
    line = resolve_line(line=line_in(uploaded, Category.QUANTITY_MISMATCH), resolution=Resolution.ACCEPT_OURS, actor=finance_checker,
                        now=now, note="以签收记录为准")

    refused = api(finance).post(f"/api/v1/reconciliation-lines/{line.pk}/resolve/", {"resolution": "write_off"}, format="json")

    assert refused.status_code == 409 and [(e["attr"], e["code"], e["detail"]) for e in refused.json()["errors"]] == [
        ("line", "line_resolved", "该明细已处理")]
    assert kept(line) == [(Resolution.ACCEPT_OURS, finance_checker, now, "以签收记录为准", None)]


def test_the_api_refuses_a_write_off_without_a_note_at_the_note_and_lists_every_resolution_of_the_line(
    api, uploaded, finance, finance_checker, now
):
    line, first = rejected_once(uploaded, finance, finance_checker, now)
    url = f"/api/v1/reconciliation-lines/{line.pk}/"

    refused = api(finance).post(url + "resolve/", {"resolution": "write_off", "note": " "}, format="json")
    resolved = api(finance).post(url + "resolve/", {"resolution": "accept_ours", "note": "以签收记录为准"}, format="json")
    history = api(finance).get(url + "resolutions/")
    transitions = api(finance).get(url + "history/")  # every history/ lists transitions; a line has none

    assert refused.status_code == 400 and [(e["attr"], e["code"]) for e in refused.json()["errors"]] == [("note", "required")]
    assert resolved.status_code == 200 and (resolved.json()["resolution"], resolved.json()["note"]) == ("accept_ours", "以签收记录为准")
    assert [(row["resolution"], row["resolved_by"], row["note"], row["adjustment_number"], row["adjustment_state"]) for row in history.json()] == [
        ("accept_theirs", "finance", "对方有签收单", first.number, "rejected"),
        ("accept_ours", "finance", "以签收记录为准", None, None),
    ]
    assert transitions.status_code == 404


def test_the_page_shows_a_line_s_earlier_resolutions_and_refuses_a_write_off_without_a_note_at_the_note(
    uploaded, finance, finance_checker, now
):
    line, first = rejected_once(uploaded, finance, finance_checker, now)
    client = logged_in(finance)
    page_url = f"/settlement/reconciliations/{uploaded.pk}/"

    refused = client.post(f"/settlement/reconciliations/lines/{line.pk}/resolve/", {"resolution": "write_off", "next": page_url}, follow=True)
    client.post(f"/settlement/reconciliations/lines/{line.pk}/resolve/", {"resolution": "write_off", "note": "金额小，核销"})
    row = client.get(page_url).content.decode().split(f'data-line="{line.pk}"', 1)[1].split("</tr>", 1)[0]

    assert list(field_errors(refused)) == ["note"] and "请填写处理说明" in field_errors(refused)["note"]
    history = row.split('data-testid="resolution-history"', 1)[1]
    assert "处理记录（2 条）" in history
    assert "finance 以礼品商为准（调账）：对方有签收单 · 调账" in history and f'>{first.number}</a> <span data-testid="adjustment-amount">¥10.00</span> · 已驳回' in history
    assert "finance 核销：金额小，核销" in history


def test_the_migration_keeps_the_resolution_each_line_held_as_its_first(uploaded, finance, now):
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    migration = import_module("settlement.migrations.0028_reconciliation_lines_keep_every_resolution")
    written_off = resolve_line(line=line_in(uploaded, Category.DUPLICATE), resolution=Resolution.WRITE_OFF, actor=finance, now=now, note="重复")
    accepted = resolve_line(line=line_in(uploaded, Category.MISSING_IN_OURS), resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=now)
    LineResolution.objects.all().delete()  # as before the migration: only the lines' own fields

    migration.keep_current_resolutions(apps, SimpleNamespace(connection=connection))

    assert kept(written_off) == [(Resolution.WRITE_OFF, finance, now, "重复", None)]
    assert kept(accepted) == [(Resolution.ACCEPT_THEIRS, finance, now, "", accepted.adjustment)]
    assert LineResolution.objects.count() == 2  # the lines never resolved have none


def test_a_line_s_resolutions_run_the_same_queries_for_1_and_50(api, uploaded, finance, finance_checker, now):
    line, first = rejected_once(uploaded, finance, finance_checker, now)
    url = f"/api/v1/reconciliation-lines/{line.pk}/resolutions/"
    client = api(finance)
    client.get(url)  # once before counting: what a process reads once (content types) is read

    counted = []
    for more in (0, 49):
        LineResolution.objects.bulk_create(
            LineResolution(line=line, resolution=Resolution.ACCEPT_THEIRS, resolved_by=(finance, finance_checker, None)[i % 3],
                           resolved_at=now + timedelta(minutes=i + 1), note="对方有签收单", adjustment=first if i % 2 else None)
            for i in range(more))
        with CaptureQueriesContext(connection) as queries:
            rows = client.get(url).json()
        counted.append((len(rows), len(queries.captured_queries)))

    assert [rows for rows, _queries in counted] == [1, 50]
    assert counted[0][1] == counted[1][1], counted
