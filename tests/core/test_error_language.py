"""Error texts in the reader's language only: Chinese by default, English when the request or the portal asks for it;
never the two side by side."""
import re

import pytest
from django.utils import translation

import core.tabular  # noqa: F401  (defines TableRejected)
import logistics.errors  # noqa: F401
import points.errors  # noqa: F401
import suppliers.errors  # noqa: F401
import suppliers.services.catalog_io  # noqa: F401  (defines ImportRejected)
from core.errors import DomainError, NotFound
from points.models import RedemptionOrder
from suppliers.errors import OutOfStock
from suppliers.models import SupplierMembership
from tests.factories import ADDRESS
from tests.portal import field_errors, logged_in

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u4e00-\u9fff]")


def _every_domain_error(cls=DomainError):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _every_domain_error(subclass)


def test_a_default_detail_is_chinese_by_default_and_english_when_english_is_active():
    in_chinese = OutOfStock()
    with translation.override("en"):
        in_english = OutOfStock()

    assert (in_chinese.detail, in_english.detail) == ("库存不足", "Not enough stock.")
    assert (NotFound().detail, NotFound("没有该成员").detail) == ("未找到", "没有该成员")


@pytest.mark.parametrize("error", [DomainError, *_every_domain_error()], ids=lambda error: error.__name__)
def test_every_domain_errors_default_detail_is_in_one_language(error):
    chinese = str(error.default_detail)
    with translation.override("en"):
        english = str(error.default_detail)

    assert HAN.search(chinese) and "(" not in chinese
    assert english and not HAN.search(english)


def test_an_api_field_error_is_chinese_by_default_and_english_with_accept_language(api, rich_member):
    client = api(rich_member.user)

    chinese = client.get("/api/v1/catalog/?min_points=lots")
    english = client.get("/api/v1/catalog/?min_points=lots", HTTP_ACCEPT_LANGUAGE="en")

    assert chinese.status_code == english.status_code == 400
    assert chinese.json()["errors"] == [{"code": "invalid", "detail": "积分范围须为整数", "attr": "min_points"}]
    assert english.json()["errors"] == [
        {"code": "invalid", "detail": "The points bounds must be whole numbers.", "attr": "min_points"}
    ]
    assert "bounds" not in chinese.content.decode() and not HAN.search(english.content.decode())


def test_not_enough_points_names_the_points_needed_in_the_readers_language(api, member, listed_gift):
    client = api(member.user)
    body = {"gift": listed_gift.pk, "quantity": 1, **ADDRESS}

    chinese = client.post("/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="poor-zh")
    english = client.post("/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="poor-en", HTTP_ACCEPT_LANGUAGE="en")

    assert chinese.status_code == english.status_code == 409
    assert [(e["code"], e["detail"], e["attr"]) for e in chinese.json()["errors"]] == [
        ("insufficient_points", "积分不足：需要 1,500，可用 0", "points")
    ]
    assert [(e["code"], e["detail"], e["attr"]) for e in english.json()["errors"]] == [
        ("insufficient_points", "Not enough points: 1,500 needed, 0 available.", "points")
    ]
    assert "enough" not in chinese.content.decode() and "积分" not in english.content.decode()
    assert not RedemptionOrder.objects.exists()


def test_a_portal_form_error_follows_the_language_chosen_with_the_switch(supplier_admin, supplier_staff):
    in_chinese, in_english = logged_in(supplier_admin), logged_in(supplier_admin)
    in_english.post("/i18n/setlang/", {"language": "en", "next": "/supplier/team/"})
    taken = {"username": "supplier_staff", "name": "张伟", "phone": "13912345678", "password": "ship-it-2026"}

    chinese = in_chinese.post("/supplier/team/", taken)
    english = in_english.post("/supplier/team/", taken)

    assert field_errors(chinese) == {"username": "该用户名已被使用"}
    assert field_errors(english) == {"username": "This username is already taken."}
    assert "already taken" not in chinese.content.decode() and "该用户名已被使用" not in english.content.decode()
    assert SupplierMembership.objects.filter(supplier=supplier_admin.supplier_membership.supplier).count() == 2


@pytest.mark.parametrize(("label", "singular", "plural"), [
    ("settlement.Statement", "Statement", "Statements"), ("settlement.Adjustment", "Adjustment", "Adjustments"),
    ("logistics.Shipment", "Shipment", "Shipments"), ("points.RedemptionOrder", "Redemption order", "Redemption orders"),
    ("logistics.ReturnRequest", "Return", "Returns"),
])
def test_a_model_reads_in_the_singular_in_english_though_chinese_has_one_word_for_both(label, singular, plural):
    from django.apps import apps

    meta = apps.get_model(label)._meta

    with translation.override("en"):
        english = (str(meta.verbose_name), str(meta.verbose_name_plural))
    assert english == (singular, plural)
    assert str(meta.verbose_name) == str(meta.verbose_name_plural)  # Chinese: one word


def test_a_refused_step_names_the_object_in_the_singular_in_english(api, rich_member, listed_gift):
    client = api(rich_member.user)
    order = client.post("/api/v1/orders/", {"gift": listed_gift.pk, "quantity": 1, **ADDRESS}, format="json",
                        HTTP_IDEMPOTENCY_KEY="singular").json()

    refused = client.post(f"/api/v1/orders/{order['id']}/confirm/", {"code": "000000"}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert refused.status_code == 409 and refused.json()["errors"][0]["code"] == "invalid_transition"
    assert refused.json()["errors"][0]["detail"].endswith("(Redemption order).")
