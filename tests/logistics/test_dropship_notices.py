"""A dropship supplier is told of the orders handed to it (SPEC §4.6, §4.12): after each handover run, one notice per
supplier that got orders — how many and the time to ship them by (48 hours, the assessment's on-time dispatch) —,
linking to its dropship orders waiting to be shipped; an SMS only when orders start waiting for it. A parcel made for it
to ship outside the handover (a re-delivery, an exchange's replacement, refused goods sent back) is told at once, with
an SMS as its setting allows, and never counted as a handover."""
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core.errors import ConcurrentUpdate
from core.models import Notification
from logistics.models import Shipment
from logistics.services import returns, shipments
from points.models import RedemptionOrder
from points.services import orders
from settlement.services import kpis
from suppliers.models import Location, Notice, Supplier
from suppliers.services import inventory
from tests.factories import ADDRESS, GiftFactory, licensed
from tests.helpers import published, unresolved_failures
from tests.logistics.builders import received
from tests.portal import listed, logged_in

pytestmark = pytest.mark.django_db

SHIP_BY = "2026-10-17 10:00"  # FIXED_NOW (2026-10-15 10:00, Asia/Shanghai) + 48 h


@pytest.fixture
def gifts(supplier, other_supplier, operator, now):
    """A listed dropship gift of `supplier` and one of `other_supplier`, each with stock at its own location."""
    made = []
    for code, owner in (("DS-A", supplier), ("DS-B", licensed(other_supplier))):
        gift = published(GiftFactory(supplier=owner, fulfilment="dropship"), actor=operator, at=now)
        inventory.receive_stock(gift=gift, location=Location.objects.create(code=code, name="自有仓", kind="dropship", supplier=owner),
                                quantity=50, at=now)
        made.append(gift)
    return made


def place(gift, member, now, count: int = 1) -> None:
    for _ in range(count):
        orders.place_order(member=member, gift_id=gift.pk, quantity=1, now=now, **ADDRESS)


def dropship_notices():
    return Notice.objects.filter(kind="dropship_to_ship")


def texts(supplier) -> list[str]:
    """The SMS the supplier's contact was sent about dropship orders to ship."""
    notices = [str(pk) for pk in dropship_notices().values_list("pk", flat=True)]
    sent = Notification.objects.filter(kind="supplier_dropship", phone=supplier.contact_phone, subject_type="suppliers.notice",
                                       subject_id__in=notices)
    return list(sent.order_by("id").values_list("body", flat=True))


def test_each_supplier_that_got_orders_is_told_how_many_and_by_when_to_ship_them_in_one_notice(
    gifts, rich_member, supplier, other_supplier, now
):
    place(gifts[0], rich_member, now, count=3)
    place(gifts[1], rich_member, now)

    handed = shipments.hand_over_dropship_orders(actor=None, now=now)

    assert len(handed) == 4
    mine, theirs = dropship_notices().get(supplier=supplier), dropship_notices().get(supplier=other_supplier)
    assert (mine.kind, mine.title_text, theirs.title_text) == ("dropship_to_ship", "3 笔直发订单待发货", "1 笔直发订单待发货")
    assert mine.body_text == f"请于 {SHIP_BY} 前在「直发订单」中发货：交由您后48小时内未发出的订单计入按时发货率考核。"
    assert (mine.created_at, mine.link) == (now, "/logistics/dropship/?state=created")
    with translation.override("en"):
        assert mine.title_label == "Dropship orders to ship: 3"
        assert mine.body_label.startswith(f'Please ship them under "Dropship orders" by {SHIP_BY}: an order not shipped within 48 hours')


def test_the_notices_of_a_run_are_written_in_one_insert_and_the_queries_do_not_grow_with_the_orders(
    gifts, rich_member, supplier, other_supplier, now
):
    def notice_queries(each: int, at) -> list[str]:
        """The statements that tell both suppliers of `each` orders apiece (their queues empty before), as the run does."""
        for gift in gifts:
            place(gift, rich_member, at, count=each)
        handed = shipments.hand_over_dropship_orders(actor=None, now=at)
        assert len(handed) == 2 * each and dropship_notices().filter(created_at=at).count() == 2
        dropship_notices().filter(created_at=at).delete()
        Notification.objects.filter(kind="supplier_dropship", created_at=at).delete()
        Shipment.objects.filter(order__in=handed).update(supplier_notified_at=None)  # as before the run's notice step
        with CaptureQueriesContext(connection) as queries:
            shipments.tell_suppliers_to_ship(now=at)
        texted = Notification.objects.filter(created_at=at, body__contains="直发订单").values_list("phone", flat=True)
        assert dropship_notices().filter(created_at=at).count() == 2
        assert sorted(texted) == sorted([supplier.contact_phone, other_supplier.contact_phone])
        ship_all(actor=None, at=at)  # the suppliers ship everything: their queues are empty again
        return [query["sql"] for query in queries.captured_queries]

    one, five = notice_queries(1, now), notice_queries(5, now + timedelta(hours=1))

    assert len(one) == len(five)
    assert sum(sql.startswith('INSERT INTO "suppliers_notice"') for sql in five) == 1


def test_a_supplier_waiting_for_nothing_is_texted_when_orders_start_waiting_for_it(gifts, rich_member, supplier, now):
    place(gifts[0], rich_member, now, count=2)

    shipments.hand_over_dropship_orders(actor=None, now=now)

    notice = dropship_notices().get(supplier=supplier)
    assert texts(supplier) == [f"【积分商城礼品商平台】2 笔直发订单待发货，请于 {SHIP_BY} 前发出。"]
    assert Notification.objects.get(body__contains="直发订单").subject_id == str(notice.pk)


@pytest.fixture
def one_waiting(gifts, rich_member, now):
    """One order of `supplier` handed over at `now`, not shipped; the next run is 5 minutes later (returned)."""
    place(gifts[0], rich_member, now)
    shipments.hand_over_dropship_orders(actor=None, now=now)
    return now + timedelta(minutes=5)


def ship_all(*, actor, at) -> None:
    for shipment in Shipment.objects.filter(state="created"):
        shipments.ship_shipment(shipment=shipment, actor=actor, now=at, carrier="中通", tracking_number=f"ZT{shipment.pk}")


def test_a_supplier_with_older_orders_still_waiting_gets_the_notice_but_no_sms_until_its_queue_was_empty(
    one_waiting, gifts, rich_member, supplier, supplier_staff
):
    later = one_waiting
    place(gifts[0], rich_member, later)

    shipments.hand_over_dropship_orders(actor=None, now=later)

    # the count is all its parcels waiting to be shipped, the older one too
    assert dropship_notices().get(supplier=supplier, created_at=later).title_text == "2 笔直发订单待发货"
    assert texts(supplier) == [f"【积分商城礼品商平台】1 笔直发订单待发货，请于 {SHIP_BY} 前发出。"]  # the first run's only
    ship_all(actor=supplier_staff, at=later)
    place(gifts[0], rich_member, later)

    shipments.hand_over_dropship_orders(actor=None, now=later + timedelta(minutes=5))

    assert len(texts(supplier)) == 2  # all shipped: the next order starts a queue again


def test_the_time_to_ship_by_is_that_of_the_first_order_waiting_not_of_the_newest(one_waiting, gifts, rich_member, supplier, now):
    much_later = now + timedelta(hours=40)  # the first order is due in 8 hours
    place(gifts[0], rich_member, much_later)

    shipments.hand_over_dropship_orders(actor=None, now=much_later)

    notice = dropship_notices().get(created_at=much_later)
    assert (notice.title_text, notice.params["ship_by"]) == ("2 笔直发订单待发货", SHIP_BY)  # not 2026-10-19 02:00
    assert len(texts(supplier)) == 1  # the first run's only: the queue did not start now


def test_a_supplier_busy_with_older_orders_is_not_texted_while_another_starting_its_queue_is(
    one_waiting, gifts, rich_member, supplier, other_supplier
):
    later = one_waiting
    place(gifts[0], rich_member, later)
    place(gifts[1], rich_member, later)

    shipments.hand_over_dropship_orders(actor=None, now=later)

    assert dropship_notices().filter(created_at=later).count() == 2
    assert (len(texts(supplier)), len(texts(other_supplier))) == (1, 1)


@pytest.mark.parametrize(("setting", "texted"), [("all", 1), ("action", 1), ("none", 0)])
def test_the_sms_follows_the_suppliers_setting_and_the_notice_always_reaches_the_inbox(gifts, rich_member, supplier, now, setting, texted):
    Supplier.objects.filter(pk=supplier.pk).update(sms_notices=setting)
    place(gifts[0], rich_member, now)

    shipments.hand_over_dropship_orders(actor=None, now=now)

    assert dropship_notices().filter(supplier=supplier).count() == 1
    assert len(texts(supplier)) == texted


def test_a_run_that_hands_nothing_over_sends_nothing(one_waiting, supplier):
    assert shipments.hand_over_dropship_orders(actor=None, now=one_waiting) == []

    assert dropship_notices().count() == 1 and len(texts(supplier)) == 1


def test_the_count_is_each_suppliers_whole_queue_with_its_older_orders_still_waiting(
    one_waiting, gifts, rich_member, supplier, other_supplier
):
    later = one_waiting
    place(gifts[0], rich_member, later, count=2)
    place(gifts[1], rich_member, later)

    shipments.hand_over_dropship_orders(actor=None, now=later)

    told = {notice.supplier_id: notice.title_text for notice in dropship_notices().filter(created_at=later)}
    assert told == {supplier.pk: "3 笔直发订单待发货", other_supplier.pk: "1 笔直发订单待发货"}
    assert (len(texts(supplier)), len(texts(other_supplier))) == (1, 1)  # the busy supplier is not texted again


def fail_on(monkeypatch, order_pk: int, error: Exception) -> None:
    """The handover of the order `order_pk` fails with `error`, as when the order changed after the run listed it."""
    real = orders.hand_over_order

    def hand_over(*, order, **kwargs):
        if order.pk == order_pk:
            raise error
        return real(order=order, **kwargs)

    monkeypatch.setattr(orders, "hand_over_order", hand_over)


def test_an_order_changed_underneath_is_skipped_and_the_run_goes_on_telling_the_suppliers_of_the_others(
    gifts, rich_member, supplier, other_supplier, now, monkeypatch
):
    place(gifts[0], rich_member, now)
    place(gifts[1], rich_member, now)
    place(gifts[0], rich_member, now)
    first, second, third = RedemptionOrder.objects.order_by("id")
    fail_on(monkeypatch, second.pk, ConcurrentUpdate())

    handed = shipments.hand_over_dropship_orders(actor=None, now=now)

    assert handed == [first.pk, third.pk]
    assert dict(RedemptionOrder.objects.values_list("pk", "state")) == {
        first.pk: "handed_over", second.pk: "confirmed", third.pk: "handed_over"}
    assert not Shipment.objects.filter(order=second).exists()
    assert dropship_notices().get(supplier=supplier).title_text == "2 笔直发订单待发货"
    assert not dropship_notices().filter(supplier=other_supplier).exists()
    assert texts(supplier) == [f"【积分商城礼品商平台】2 笔直发订单待发货，请于 {SHIP_BY} 前发出。"]
    assert unresolved_failures("logistics.hand_over_dropship_orders") == {f"points.redemptionorder:{second.pk}": 1}
    monkeypatch.undo()

    assert shipments.hand_over_dropship_orders(actor=None, now=now + timedelta(minutes=5)) == [second.pk]  # the next run takes it
    assert unresolved_failures("logistics.hand_over_dropship_orders") == {}
    assert dropship_notices().get(supplier=other_supplier).title_text == "1 笔直发订单待发货"


def test_an_order_failing_unexpectedly_is_skipped_and_the_suppliers_of_the_others_are_told(
    gifts, rich_member, supplier, other_supplier, now, monkeypatch
):
    place(gifts[0], rich_member, now)
    place(gifts[1], rich_member, now)
    first, second = RedemptionOrder.objects.order_by("id")
    fail_on(monkeypatch, second.pk, RuntimeError("database went away"))

    handed = shipments.hand_over_dropship_orders(actor=None, now=now)

    assert handed == [first.pk]
    assert dict(RedemptionOrder.objects.values_list("pk", "state")) == {first.pk: "handed_over", second.pk: "confirmed"}
    assert dropship_notices().get(supplier=supplier).title_text == "1 笔直发订单待发货"
    assert texts(supplier) == [f"【积分商城礼品商平台】1 笔直发订单待发货，请于 {SHIP_BY} 前发出。"]
    assert not dropship_notices().filter(supplier=other_supplier).exists()


def test_a_failing_notice_loses_no_handover(gifts, rich_member, now, monkeypatch):
    place(gifts[0], rich_member, now, count=2)

    def broken(*args, **kwargs):
        raise RuntimeError("inbox unavailable")

    monkeypatch.setattr(shipments, "send_inbox_notices", broken)
    with pytest.raises(RuntimeError):
        shipments.hand_over_dropship_orders(actor=None, now=now)

    assert set(RedemptionOrder.objects.values_list("state", flat=True)) == {"handed_over"}
    assert Shipment.objects.filter(kind="dropship", state="created").count() == 2
    assert not dropship_notices().exists()


def fail_once(monkeypatch) -> None:
    """The next notice step fails writing the notices (the inbox unavailable), as a database error would."""
    real = shipments.send_inbox_notices

    def broken(*args, **kwargs):
        monkeypatch.setattr(shipments, "send_inbox_notices", real)
        raise RuntimeError("inbox unavailable")

    monkeypatch.setattr(shipments, "send_inbox_notices", broken)


def test_the_run_after_a_failed_notice_tells_the_supplier_it_missed_once_with_the_time_to_ship_by_of_its_handover(
    gifts, rich_member, supplier, now, monkeypatch
):
    place(gifts[0], rich_member, now, count=2)
    fail_once(monkeypatch)
    with pytest.raises(RuntimeError):
        shipments.hand_over_dropship_orders(actor=None, now=now)
    assert Shipment.objects.filter(kind="dropship", state="created").count() == 2 and not dropship_notices().exists()

    assert shipments.hand_over_dropship_orders(actor=None, now=now + timedelta(minutes=5)) == []

    notice = dropship_notices().get(supplier=supplier)
    assert (notice.title_text, notice.created_at) == ("2 笔直发订单待发货", now + timedelta(minutes=5))
    assert f"请于 {SHIP_BY} 前" in notice.body_text  # 48 hours after the handover, not after the notice
    assert texts(supplier) == [f"【积分商城礼品商平台】2 笔直发订单待发货，请于 {SHIP_BY} 前发出。"]

    assert shipments.hand_over_dropship_orders(actor=None, now=now + timedelta(minutes=10)) == []

    assert dropship_notices().count() == 1 and len(texts(supplier)) == 1


def test_the_supplier_missed_by_a_failed_notice_is_told_of_those_orders_with_its_new_ones_and_another_of_its_own(
    gifts, rich_member, supplier, other_supplier, now, monkeypatch
):
    place(gifts[0], rich_member, now, count=2)
    fail_once(monkeypatch)
    with pytest.raises(RuntimeError):
        shipments.hand_over_dropship_orders(actor=None, now=now)
    later = now + timedelta(minutes=5)
    place(gifts[0], rich_member, later)
    place(gifts[1], rich_member, later)

    assert len(shipments.hand_over_dropship_orders(actor=None, now=later)) == 2

    told = {notice.supplier_id: (notice.title_text, notice.params["ship_by"]) for notice in dropship_notices()}
    assert told == {supplier.pk: ("3 笔直发订单待发货", SHIP_BY), other_supplier.pk: ("1 笔直发订单待发货", "2026-10-17 10:05")}
    assert texts(supplier) == [f"【积分商城礼品商平台】3 笔直发订单待发货，请于 {SHIP_BY} 前发出。"]  # its queue starts now
    assert len(texts(other_supplier)) == 1
    assert set(Shipment.objects.values_list("supplier_notified_at", flat=True)) == {later}

    shipments.hand_over_dropship_orders(actor=None, now=later + timedelta(minutes=5))

    assert dropship_notices().count() == 2 and (len(texts(supplier)), len(texts(other_supplier))) == (1, 1)


def parcel_told(supplier, kind: str) -> tuple[Notice, list[str]]:
    """The one notice of `kind` about a parcel made for the supplier to ship, and the SMS its contact was sent of it."""
    notice = Notice.objects.get(supplier=supplier, kind=kind)
    sent = Notification.objects.filter(kind="supplier_parcel", phone=supplier.contact_phone, subject_id=str(notice.pk))
    return notice, list(sent.values_list("body", flat=True))


@pytest.fixture
def redelivered(one_waiting, operator):
    """The order handed over at `now`, shipped, failed and re-delivered by the operator 5 minutes later (returned)."""
    later = one_waiting
    ship_all(actor=None, at=later)
    shipments.fail_shipment(shipment=Shipment.objects.get(), actor=operator, now=later, reason="地址不详")
    orders.redeliver_order(order=RedemptionOrder.objects.get(), actor=operator, now=later)
    return later


def test_a_re_delivery_of_a_dropship_order_tells_its_supplier_at_once_to_ship_it_again(redelivered, supplier, supplier_staff):
    order, parcel = RedemptionOrder.objects.get(), Shipment.objects.get(state="created")

    notice, sms = parcel_told(supplier, "dropship_redelivery")

    ship_by = "2026-10-17 10:05"  # the re-delivery's parcel made 5 minutes after FIXED_NOW, + 48 h
    assert (notice.title_text, notice.link, notice.created_at) == (
        f"订单 {order.number} 配送失败，需重新发货", f"/logistics/shipments/{parcel.pk}/", redelivered)
    assert notice.body_text == f"订单 {order.number} 的包裹配送失败，运营已安排重新配送：请于 {ship_by} 前按包裹页的收件信息重新发出 1 件。"
    assert sms == [f"【积分商城礼品商平台】订单 {order.number} 配送失败，需重新发货，请于 {ship_by} 前发出。"]
    assert parcel.supplier_notified_at == redelivered
    with translation.override("en"):
        assert notice.title_label == f"Order {order.number}: delivery failed, to be shipped again"
    client = Client()
    client.force_login(supplier_staff)
    assert client.get(notice.link).status_code == 200  # the parcel's page, where the supplier ships it


def test_a_re_delivery_told_at_once_is_not_told_again_nor_counted_as_a_handover_by_the_next_run(
    redelivered, gifts, rich_member, supplier
):
    shipments.hand_over_dropship_orders(actor=None, now=redelivered + timedelta(minutes=5))

    assert dropship_notices().count() == 1 and len(texts(supplier)) == 1  # the first handover's only
    assert Notice.objects.filter(kind="dropship_redelivery").count() == 1
    place(gifts[0], rich_member, redelivered)

    shipments.hand_over_dropship_orders(actor=None, now=redelivered + timedelta(minutes=10))

    # one new handover; the count is the supplier's whole queue, the re-delivery waiting too, and no SMS as it waits;
    # the ship-by is the re-delivery's, the first of the queue due to leave (not the new handover's, ten minutes later)
    newest = dropship_notices().get(created_at=redelivered + timedelta(minutes=10))
    assert (newest.title_text, newest.params["ship_by"]) == ("2 笔直发订单待发货", "2026-10-17 10:05")
    assert len(texts(supplier)) == 1


@pytest.mark.parametrize(("setting", "texted"), [("all", 1), ("action", 1), ("none", 0)])
def test_the_re_delivery_sms_follows_the_suppliers_setting_and_the_notice_always_reaches_the_inbox(
    one_waiting, operator, supplier, setting, texted
):
    Supplier.objects.filter(pk=supplier.pk).update(sms_notices=setting)
    ship_all(actor=None, at=one_waiting)
    shipments.fail_shipment(shipment=Shipment.objects.get(), actor=operator, now=one_waiting, reason="地址不详")

    orders.redeliver_order(order=RedemptionOrder.objects.get(), actor=operator, now=one_waiting)

    _notice, sms = parcel_told(supplier, "dropship_redelivery")
    assert len(sms) == texted


def test_a_re_delivery_of_a_warehouse_order_tells_no_supplier(shipped, logistics, operator, now):
    shipments.fail_shipment(shipment=shipped, actor=logistics, now=now, reason="收件人不在")
    notices, sms = Notice.objects.count(), Notification.objects.filter(kind__startswith="supplier_").count()

    orders.redeliver_order(order=RedemptionOrder.objects.get(pk=shipped.order_id), actor=operator, now=now)

    parcel = Shipment.objects.get(order_id=shipped.order_id, state="created")
    assert (parcel.kind, parcel.supplier_notified_at) == ("warehouse", None)
    assert (Notice.objects.count(), Notification.objects.filter(kind__startswith="supplier_").count()) == (notices, sms)


def told_to_ship(parcel: Shipment, kind: str, *, title: str, body: str) -> None:
    """The parcel's supplier holds one notice of `kind` with `title` and `body`, linking to the parcel, and its contact
    was texted the title with the time to ship it by."""
    notice, sms = parcel_told(parcel.supplier, kind)
    assert (notice.title_text, notice.body_text, notice.link) == (title, body, f"/logistics/shipments/{parcel.pk}/")
    assert sms == [f"【积分商城礼品商平台】{title}，请于 {SHIP_BY} 前发出。"]


def shipped_then_failed(parcel: Shipment, *, actor, now) -> None:
    shipments.ship_shipment(shipment=parcel, actor=actor, now=now, carrier="中通", tracking_number=f"ZT{parcel.pk}")
    shipments.fail_shipment(shipment=parcel, actor=actor, now=now, reason="拒收")


def told_before_the_next_run(parcel: Shipment, now) -> None:
    """The new parcel is marked told at `now`, and the next handover run tells nobody of it."""
    assert Shipment.objects.get(pk=parcel.pk).supplier_notified_at == now
    shipments.hand_over_dropship_orders(actor=None, now=now + timedelta(minutes=5))
    assert not dropship_notices().filter(created_at=now + timedelta(minutes=5)).exists()


def test_a_dropship_exchange_tells_its_supplier_to_ship_the_replacement_and_a_re_shipped_one_is_told_once(
    dropship_order, operator, supplier_staff, now
):
    return_request = received(dropship_order, operator=operator, handler=supplier_staff, now=now, reason="defective", remedy="exchange")

    returns.inspect_return(return_request=return_request, actor=operator, now=now, outcome="defective")

    number, parcel = return_request.number, Shipment.objects.get(replacement_for=return_request)
    told_to_ship(parcel, "dropship_replacement", title=f"退换货 {number} 的换货待发出",
                 body=f"订单 {dropship_order.number} 的退换货 {number} 已检验，为会员换货：请于 {SHIP_BY} 前发出 1 件换货。")
    shipped_then_failed(parcel, actor=supplier_staff, now=now)

    returns.reship_replacement(return_request=return_request, actor=operator, now=now, reason="会员同意签收")

    # the operator's decision asks the supplier to ship the new one (`replacement_reshipped`): no second notice of it
    told = Notice.objects.filter(kind__in=["replacement_reshipped", "dropship_replacement"]).values_list("kind", flat=True)
    assert sorted(told) == ["dropship_replacement", "replacement_reshipped"]
    told_before_the_next_run(Shipment.objects.get(replacement_for=return_request, state="created"), now)


def test_a_dropship_return_refused_tells_its_supplier_to_send_the_goods_back_and_its_own_second_parcel_tells_it_nothing(
    dropship_order, operator, supplier_staff, now
):
    return_request = received(dropship_order, operator=operator, handler=supplier_staff, now=now)

    returns.inspect_return(return_request=return_request, actor=operator, now=now, outcome="used", reason="照片显示已使用")

    number, parcel = return_request.number, Shipment.objects.get(send_back_for=return_request)
    told_to_ship(parcel, "dropship_send_back", title=f"退换货 {number} 的货品待寄回会员",
                 body=f"订单 {dropship_order.number} 的退换货 {number} 检验为已使用，不予退换：请于 {SHIP_BY} 前将收到的 1 件寄回会员。")
    shipped_then_failed(parcel, actor=supplier_staff, now=now)

    returns.send_back_again(return_request=return_request, actor=supplier_staff, now=now, reason="会员同意签收")

    assert Notice.objects.filter(kind="dropship_send_back").count() == 1  # the supplier made the second parcel itself
    told_before_the_next_run(Shipment.objects.get(send_back_for=return_request, state="created"), now)


def test_the_inbox_shows_the_notice_in_the_readers_language_linking_to_the_orders_to_ship(gifts, rich_member, supplier_staff, now):
    place(gifts[0], rich_member, now, count=2)
    shipments.hand_over_dropship_orders(actor=None, now=now)

    pages = {}
    for language in ("zh-hans", "en"):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(supplier_staff)
        pages[language] = client.get("/supplier/notices/").content.decode()

    assert '<a href="/logistics/dropship/?state=created">2 笔直发订单待发货</a>' in pages["zh-hans"]
    assert f"请于 {SHIP_BY} 前在「直发订单」中发货" in pages["zh-hans"]
    assert '<a href="/logistics/dropship/?state=created">Dropship orders to ship: 2</a>' in pages["en"]
    assert f"by {SHIP_BY}" in pages["en"]
    listed = client.get("/logistics/dropship/?state=created")
    assert listed.status_code == 200
    assert {shipment.order.supplier_id for shipment in listed.context["page_obj"]} == {supplier_staff.supplier_membership.supplier_id}
    assert len(listed.context["page_obj"]) == 2


def test_a_parcel_made_after_the_orders_handover_is_due_48_hours_after_it_was_made_wherever_the_time_is_read(
    gifts, rich_member, supplier, supplier_staff, operator, now, time_machine
):
    place(gifts[0], rich_member, now)
    shipments.hand_over_dropship_orders(actor=None, now=now)  # 10:00 on 15 October: to ship by 10:00 on the 17th
    ship_all(actor=None, at=now + timedelta(hours=48))  # at the very time the handover notice gave
    shipments.fail_shipment(shipment=Shipment.objects.get(), actor=operator, now=now + timedelta(hours=49), reason="地址不详")
    orders.redeliver_order(order=RedemptionOrder.objects.get(), actor=operator, now=now + timedelta(hours=49))
    again = Shipment.objects.get(state="created")  # made at 11:00 on the 17th, after the order's handover + 48 h

    handover_notice, redelivery_notice = dropship_notices().get(), parcel_told(supplier, "dropship_redelivery")[0]
    time_machine.move_to(now + timedelta(hours=50), tick=False)
    in_time = listed(supplier_staff, "/logistics/dropship/", overdue="1"), ship_by_cell(supplier_staff, again)
    time_machine.move_to(now + timedelta(hours=97, minutes=1), tick=False)
    late = listed(supplier_staff, "/logistics/dropship/", overdue="1"), ship_by_cell(supplier_staff, again)

    assert handover_notice.params["ship_by"] == SHIP_BY and redelivery_notice.params["ship_by"] == "2026-10-19 11:00"
    assert in_time == ([], "2026-10-19 11:00")  # not overdue at its order's handover + 48 h
    assert late == ([again.pk], "2026-10-19 11:00 已逾期")
    october = kpis.count_on_time_dispatch(kpis.Window.of(date(2026, 10, 1)))
    assert october[supplier.pk] == (1, 1)  # the handed-over parcel, shipped at its notice's time; the re-delivery not judged


def ship_by_cell(user, parcel: Shipment) -> str:
    """The parcel's 发货期限 as its page shows it, tags stripped."""
    html = logged_in(user).get(f"/logistics/shipments/{parcel.pk}/").content.decode()
    cell = re.search(r'data-testid="ship-by">(.*?)</td>', html, re.S).group(1)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
