"""Domain events: handlers run inside the publisher's transaction and roll back with it."""
from dataclasses import dataclass

import pytest
from django.db import transaction

from core.events import _handlers, publish, subscribe
from suppliers.models import Notice
from suppliers.services.notices import send_notice

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class SomethingHappened:
    supplier_id: int


@pytest.fixture
def notice_on_event(supplier, now):
    @subscribe(SomethingHappened)
    def write_notice(event: SomethingHappened) -> None:
        send_notice(supplier=supplier, kind="gift_approved", title=f"event for {event.supplier_id}", body="", now=now)

    yield
    _handlers.pop(SomethingHappened, None)


def test_a_handler_runs_in_the_publishing_transaction(notice_on_event, supplier):
    with transaction.atomic():
        publish(SomethingHappened(supplier_id=supplier.pk))

    assert Notice.objects.filter(title=f"event for {supplier.pk}").count() == 1


def test_a_handler_is_rolled_back_with_its_publisher(notice_on_event, supplier):
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(SomethingHappened(supplier_id=supplier.pk))
        raise RuntimeError("publisher failed after publishing")

    assert not Notice.objects.exists()


def test_publishing_outside_a_transaction_is_refused(notice_on_event, supplier):
    with pytest.raises(RuntimeError, match="inside transaction.atomic"):
        _publish_without_atomic(supplier)

    assert not Notice.objects.exists()


def _publish_without_atomic(supplier):
    connection = transaction.get_connection()
    saved = connection.in_atomic_block
    connection.in_atomic_block = False
    try:
        publish(SomethingHappened(supplier_id=supplier.pk))
    finally:
        connection.in_atomic_block = saved
