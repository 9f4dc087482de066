"""A file of waybills kept while the broker cannot be reached: the upload is accepted (no 500), stays pending, and
the beat job that picks up work left behind ships it, or after too many tries rejects it saying why on its page."""
from contextlib import contextmanager
from datetime import timedelta

import pytest

from core import jobs
from logistics.models import Shipment, ShipmentUpload
from logistics.services import bulk_shipping
from logistics.tasks import pick_up_left_behind
from tests.portal import logged_in

pytestmark = pytest.mark.django_db
PAGE = "/logistics/shipments/by-file/"
LEFT = timedelta(minutes=31)  # beyond LEFT_BEHIND_AFTER_MINUTES (30)


def upload(actor, shipment, now) -> ShipmentUpload:
    content = f"运单ID,承运商,运单号\r\n{shipment.pk},顺丰,SF-LEFT\r\n".encode()
    return bulk_shipping.upload_shipping_file(actor=actor, now=now, file_name="w.csv", content=content)


def test_a_file_uploaded_with_the_broker_down_is_kept_pending(logistics, warehouse_shipment, now, broker_down,
                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(logistics).post(PAGE, {"file": _file(warehouse_shipment)})

    kept = ShipmentUpload.objects.get()
    assert response.status_code == 302 and kept.status == "pending"
    assert broker_down == [("logistics.tasks.ship_uploaded_shipments", {"upload_id": kept.pk})]


def test_an_upload_left_behind_is_shipped_when_beat_picks_it_up(logistics, warehouse_shipment, now, broker_down,
                                                               monkeypatch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        kept = upload(logistics, warehouse_shipment, now)
    monkeypatch.undo()  # the broker is back

    assert bulk_shipping.pick_up_left_behind_uploads(now=now + timedelta(minutes=10)) == (0, 0)  # not left behind yet
    with django_capture_on_commit_callbacks(execute=True):
        assert bulk_shipping.pick_up_left_behind_uploads(now=now + LEFT) == (1, 0)

    kept.refresh_from_db()
    assert (kept.status, kept.requeues) == ("shipped", 1)
    assert Shipment.objects.get(pk=warehouse_shipment.pk).state == "shipped"


def test_an_upload_a_worker_has_is_not_queued_again(logistics, warehouse_shipment, now, queued_tasks):
    kept = upload(logistics, warehouse_shipment, now)
    ShipmentUpload.objects.filter(pk=kept.pk).update(progressed_at=now + LEFT - timedelta(minutes=1))

    assert bulk_shipping.pick_up_left_behind_uploads(now=now + LEFT) == (0, 0)


def test_an_upload_queued_again_too_often_is_rejected_with_its_reason_on_its_page(logistics, warehouse_shipment, now, queued_tasks):
    kept = upload(logistics, warehouse_shipment, now)
    ShipmentUpload.objects.filter(pk=kept.pk).update(requeues=3)

    assert bulk_shipping.pick_up_left_behind_uploads(now=now + LEFT) == (0, 1)

    kept.refresh_from_db()
    assert (kept.status, kept.finished_at) == ("rejected", now + LEFT)
    html = logged_in(logistics).get(f"{PAGE}{kept.pk}/").content.decode()
    assert "发货任务多次未能运行，未发出任何运单，请重新上传" in html
    assert Shipment.objects.get(pk=warehouse_shipment.pk).state == "created"


def test_the_beat_job_is_scheduled(settings):
    assert settings.CELERY_BEAT_SCHEDULE["pick-up-left-behind-uploads"]["task"] == pick_up_left_behind.name


def _file(shipment):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("w.csv", f"运单ID,承运商,运单号\r\n{shipment.pk},顺丰,SF-LEFT\r\n".encode(), content_type="text/csv")


def test_a_long_shipping_reports_progress_and_ships_nothing_if_the_sweep_gave_up_on_it_meanwhile(
        logistics, warehouse_shipment, now, queued_tasks, monkeypatch):
    kept = upload(logistics, warehouse_shipment, now)
    ship_rows, seen = bulk_shipping._ship_rows, []

    @contextmanager
    def in_the_transaction(model, pk):  # as on SQLite: the test's transaction is not seen from another connection
        yield lambda **counts: model.objects.filter(pk=pk).update(**counts)

    def given_up_meanwhile(upload, locked, *, now, went_through):
        problems = ship_rows(upload, locked, now=now, went_through=went_through)
        seen.append(ShipmentUpload.objects.get(pk=upload.pk).progressed_at)
        ShipmentUpload.objects.filter(pk=upload.pk).update(status=ShipmentUpload.Status.REJECTED)  # the sweep's give_up
        return problems

    monkeypatch.setattr(bulk_shipping, "_ship_rows", given_up_meanwhile)
    monkeypatch.setattr(jobs, "outside_the_transaction", in_the_transaction)
    bulk_shipping.ship_upload(upload_id=kept.pk, now=now, progress_every=1)

    assert seen[0] > now  # each progress report shows a worker is still at it
    assert ShipmentUpload.objects.get(pk=kept.pk).status != "shipped"  # (the give_up here is rolled back with the rest)
    assert Shipment.objects.get(pk=warehouse_shipment.pk).state == warehouse_shipment.state  # nothing shipped
