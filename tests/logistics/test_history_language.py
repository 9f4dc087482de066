"""A reason the system writes into a history with values (the handoff batch of an order) reads in the reader's
language on the member's order page and in the API, and in Chinese with its values as written."""
import pytest
from django.test import Client
from rest_framework.test import APIClient

from logistics.models import HandoffBatch
from points.models import RedemptionOrder

pytestmark = pytest.mark.django_db


def test_the_handoff_batch_reason_reads_in_the_members_language(handed_over, rich_member):
    order, number = RedemptionOrder.objects.get(), HandoffBatch.objects.get().number

    def page(language: str) -> str:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(rich_member.user)
        return client.get(f"/member/orders/{order.pk}/").content.decode()

    english, chinese = page("en"), page("zh-hans")
    assert f"Handoff batch {number}" in english and "交接批次" not in english
    assert f"交接批次 {number}" in chinese


def test_the_api_history_gives_the_reason_as_written_and_in_the_callers_language(handed_over, rich_member):
    order = RedemptionOrder.objects.get()
    client = APIClient()
    client.force_authenticate(rich_member.user)

    history = client.get(f"/api/v1/orders/{order.pk}/history/", HTTP_ACCEPT_LANGUAGE="en").json()
    handover, = [entry for entry in history if entry["transition"] == "hand_over"]

    assert handover["reason"].startswith("交接批次 HB") and "%(" not in handover["reason"]
    assert handover["reason_label"] == handover["reason"].replace("交接批次", "Handoff batch")
