"""`manage.py seed_demo` creates every role's demo user and is safe to run twice."""
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from core.roles import Role
from suppliers.models import Gift, GiftRevision, ReplenishmentRequest, Supplier

# with --dist loadgroup one worker runs the module: the demo is seeded once (seeded_demo), not once per worker
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("seed_demo")]


def counts() -> dict:
    """How many of each demo object there are, by state where it has one."""
    from logistics.models import ShipmentUpload, TariffChange
    from settlement.models import Adjustment, Statement
    from suppliers.models import Notice, Qualification

    by_state = {model.__name__: sorted(Counter(model.objects.values_list("state", flat=True)).items())
                for model in (Supplier, Gift, GiftRevision, ReplenishmentRequest, Statement, Adjustment, Qualification)}
    return by_state | {model.__name__: model.objects.count() for model in (get_user_model(), Notice, ShipmentUpload, TariffChange)}


def test_seeding_twice_creates_the_demo_world_once_and_shows_progress(seeded_demo):
    seeded = counts()

    call_command("seed_demo", stdout=StringIO())

    assert counts() == seeded
    assert "[1/" in seeded_demo and "demo12345" in seeded_demo
    assert set(get_user_model().objects.values_list("role", flat=True)) == set(Role.values)
    assert Supplier.objects.filter(state="active").count() == 2
    assert Gift.objects.filter(state="online").count() == 3
    assert ReplenishmentRequest.objects.count() == 1
    assert dict(Supplier.objects.filter(state="active").values_list("name", "sms_notices")) == {
        "杭州优选礼品有限公司": "all", "深圳星河数码科技有限公司": "action"}


def test_each_demo_supplier_has_its_own_contact_and_an_address_in_its_own_city(seeded_demo):
    contacts = {name: (contact, address[:6]) for name, contact, address in
                Supplier.objects.values_list("name", "contact_name", "address")}

    assert contacts == {
        "杭州优选礼品有限公司": ("张经理", "浙江省杭州市"),
        "深圳星河数码科技有限公司": ("林经理", "广东省深圳市"),
        "北京京味食品有限公司": ("赵经理", "北京市朝阳区"),
        "苏州云锦家纺有限公司": ("王经理", "江苏省苏州市"),
    }


def test_demo_users_can_log_in_with_the_documented_password(seeded_demo, client):
    assert client.login(username="supplier_a", password="demo12345")
    assert client.login(username="13800138000", password="demo12345")


def test_every_demo_return_says_where_to_send_the_goods(seeded_demo):
    from logistics.models import ReturnRequest
    from logistics.services.returns import return_destination

    returns = list(ReturnRequest.objects.select_related("order__location", "order__supplier"))
    assert returns and all(return_destination(r).address and return_destination(r).phone for r in returns)


def test_the_demo_operator_finds_a_suppliers_change_of_a_listed_gift_waiting_for_review(seeded_demo, client):
    client.login(username="operator", password="demo12345")

    waiting = GiftRevision.objects.get()
    queue = client.get("/supplier/gift-review/?queue=revisions").content.decode()

    assert (waiting.state, waiting.gift.name, waiting.requested_by.username) == ("pending", "真空保温杯 500ml", "supplier_a")
    assert "质量问题30天包换，一年保修" in queue and f"/supplier/gift-review/revisions/{waiting.pk}/approve/" in queue


def test_the_demo_operator_finds_an_approved_gift_with_no_publishing_time_to_put_online(seeded_demo, client):
    client.login(username="operator", password="demo12345")

    waiting = Gift.objects.get(state="approved", publish_at__isnull=True)
    queue = client.get("/supplier/gift-review/?queue=approved").content.decode()

    assert (waiting.name, waiting.supplier.name) == ("武夷大红袍礼盒 100g", "杭州优选礼品有限公司")
    assert waiting.sku in queue and 'data-testid="blocked"' not in queue  # offered to put online or schedule


def test_the_demo_has_a_warehouse_count_the_supplier_reads_with_who_is_liable(seeded_demo, client):
    from suppliers.models import StockMovement

    client.login(username="supplier_a", password="demo12345")
    page = client.get("/supplier/stock/movements/?kind=correction").content.decode()

    correction = StockMovement.objects.get(kind="correction")
    assert (correction.gift.sku, correction.location.code, correction.on_hand_delta, correction.liable) == ("TEA-LJ-250", "WH-HZ", -1, "logistics")
    assert "货架上 1 盒压损" in page and "短少责任方：物流商" in page
