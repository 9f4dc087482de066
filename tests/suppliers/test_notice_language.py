"""A notice the system sends a supplier is written in each reader's language when read (page and API); the SMS that
announces it is in Chinese, and a notice stored before notices kept their values is shown as it was stored."""
import pytest
from django.test import Client
from rest_framework.test import APIClient

from core.models import Notification
from suppliers.models import Notice
from suppliers.services import catalog
from tests.factories import GiftFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rejected(operator, licensed_supplier, supplier_staff, now):
    gift = catalog.submit_gift(gift=GiftFactory(supplier=licensed_supplier, name="龙井礼盒"), actor=supplier_staff, now=now)
    catalog.reject_gift(gift=gift, actor=operator, now=now, reason="图片不清晰")
    return gift


def inbox(user, language: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    response = client.get("/supplier/notices/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_inbox_writes_a_notice_in_the_readers_language_with_its_values(rejected, supplier_staff):
    english, chinese = inbox(supplier_staff, "en"), inbox(supplier_staff, "zh-hans")

    assert f"Gift {rejected.sku} was not approved" in english and "龙井礼盒: 图片不清晰" in english
    assert "审核未通过" not in english
    assert f"礼品 {rejected.sku} 审核未通过" in chinese and "龙井礼盒：图片不清晰" in chinese


def test_the_api_gives_the_notice_as_sent_and_in_the_callers_language(rejected, supplier_staff):
    client = APIClient()
    client.force_authenticate(supplier_staff)

    english = client.get("/api/v1/notices/", HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    chinese = client.get("/api/v1/notices/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["results"][0]

    sent = (f"礼品 {rejected.sku} 审核未通过", "龙井礼盒：图片不清晰")
    assert (english["title"], english["body"]) == sent == (chinese["title"], chinese["body"])
    assert (english["title_label"], english["body_label"]) == (f"Gift {rejected.sku} was not approved", "龙井礼盒: 图片不清晰")
    assert (chinese["title_label"], chinese["body_label"]) == sent


def test_the_sms_announcing_a_notice_is_in_chinese_with_its_values(rejected):
    sms = Notification.objects.get(kind="supplier_notice")

    assert sms.body == f"【积分商城礼品商平台】礼品 {rejected.sku} 审核未通过"


def test_a_notice_stored_without_values_is_shown_as_stored(supplier, supplier_staff, now):
    Notice.objects.create(supplier=supplier, kind="general", title="旧通知：退货率 100%", body="原文", created_at=now)

    assert "旧通知：退货率 100%" in inbox(supplier_staff, "en")


def test_the_admin_shows_a_notice_written_in_the_readers_language_and_does_not_edit_it(rejected, operator):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(operator)
    notice = Notice.objects.get(kind="gift_rejected")

    page = client.get(f"/admin/suppliers/notice/{notice.pk}/change/").content.decode()

    assert f"Gift {rejected.sku} was not approved" in page and "龙井礼盒: 图片不清晰" in page and "%(" not in page
    assert client.post(f"/admin/suppliers/notice/{notice.pk}/change/", {"title": "x"}).status_code == 403
