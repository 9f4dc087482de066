"""Shipping by file: every row checked when the file arrives, then every shipment picked if need be and shipped through
the shipment services by a task, members texted as for a parcel shipped by hand; one bad row and nothing is shipped,
the problems naming their row and column. Another tenant's shipment is "not found", as one that does not exist."""
import csv
import io
from contextlib import contextmanager

import openpyxl
import pytest
import tablib

from core import jobs
from core.errors import PermissionDenied
from core.models import Notification, TransitionLog
from core.tabular import TableRejected
from logistics.models import Shipment, ShipmentUpload
from logistics.services import bulk_shipping, shipments
from points.models import RedemptionOrder
from points.services import orders
from suppliers.models import Supplier
from tests.conftest import staff_and_rich_member
from tests.factories import ADDRESS, FIXED_NOW, SupplierFactory, WarehouseFactory, licensed
from tests.helpers import AS_TYPED, picked_and_shipped, rolled_back_after, world_member_fixtures
from tests.logistics.conftest import stock_gift

# with --dist loadgroup one worker runs the module: its shipments are built once (flow), not once per worker
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("bulk_shipping")]

HEADER = ["运单ID", "订单号", "承运商", "运单号"]


def table(*rows: list, header=HEADER, encoding: str = "utf-8") -> bytes:
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerows([header, *rows])
    return stream.getvalue().encode(encoding)


@pytest.fixture(scope="module")
def flow(django_db_setup, django_db_blocker) -> dict:
    """The supplier (licensed), the rich member and three handed-over warehouse shipments of the supplier's stocked
    gift, waiting for picking: built once per module and rolled back after it; each test reads them afresh (`supplier`,
    `member`, `waiting`) and what it changes rolls back with it."""
    with rolled_back_after(django_db_blocker):
        operator, logistics, member = staff_and_rich_member()
        supplier = licensed(SupplierFactory())
        gift = stock_gift(supplier, operator=operator, warehouse=WarehouseFactory(code="WH-FLOW", name="华东仓"), now=FIXED_NOW)
        for _ in range(3):
            orders.place_order(member=member, gift_id=gift.pk, quantity=1, now=FIXED_NOW, **ADDRESS)
        shipments.hand_over_warehouse_orders(key="B-FILE", actor=logistics, now=FIXED_NOW)
        yield {"supplier": supplier.pk, "member": member.pk,
               "waiting": list(Shipment.objects.filter(kind="warehouse").order_by("pk").values_list("pk", flat=True))}


@pytest.fixture
def supplier(flow, db) -> Supplier:
    return Supplier.objects.get(pk=flow["supplier"])


member, rich_member = world_member_fixtures("flow")


@pytest.fixture
def waiting(flow, db) -> list[Shipment]:
    """Three handed-over warehouse shipments of the supplier's gift, waiting for picking."""
    return list(Shipment.objects.filter(pk__in=flow["waiting"]).select_related("order").order_by("pk"))


@pytest.fixture
def ship_file(django_capture_on_commit_callbacks, now):
    """ship_file(actor, content, name) → the upload, its task run as it would be after the upload's commit."""

    def upload(actor, content: bytes, name: str = "waybills.csv") -> ShipmentUpload:
        with django_capture_on_commit_callbacks(execute=True):
            made = bulk_shipping.upload_shipping_file(actor=actor, now=now, file_name=name, content=content)
        made.refresh_from_db()
        return made

    return upload


def refused(actor, content: bytes, now, name: str = "waybills.csv") -> list[tuple[str, str]]:
    with pytest.raises(TableRejected) as raised:
        bulk_shipping.upload_shipping_file(actor=actor, now=now, file_name=name, content=content)
    return [(attr, code) for attr, code, _detail in raised.value.errors]


def states() -> list[str]:
    return list(Shipment.objects.order_by("pk").values_list("state", flat=True))


def test_a_valid_file_picks_and_ships_every_shipment_and_texts_each_member(logistics, waiting, ship_file, now):
    by_id, by_number, picked = waiting
    shipments.pick_shipment(shipment=picked, actor=logistics, now=now)
    content = table([by_id.pk, "", "顺丰", "SF-A1"], ["", by_number.order.number, "中通", "ZT-B2"], [picked.pk, picked.order.number, "圆通", "YT-C3"])

    upload = ship_file(logistics, content)

    assert (upload.status, upload.row_count, upload.shipped_count, upload.problems) == ("shipped", 3, 3, [])
    assert [(s.state, s.carrier, s.tracking_number) for s in Shipment.objects.order_by("pk")] == [
        ("shipped", "顺丰", "SF-A1"), ("shipped", "中通", "ZT-B2"), ("shipped", "圆通", "YT-C3")]
    assert set(RedemptionOrder.objects.values_list("state", flat=True)) == {"shipped"}
    texts = Notification.objects.filter(kind="shipped").order_by("id")
    assert [text.body for text in texts] == [
        f"【积分商城】订单 {shipment.order.number} 已发货，{carrier} 运单号 {number}。"
        for shipment, carrier, number in ((by_id, "顺丰", "SF-A1"), (by_number, "中通", "ZT-B2"), (picked, "圆通", "YT-C3"))]
    picks = TransitionLog.objects.filter(transition="pick", object_id__in=[by_id.pk, by_number.pk])
    assert {(log.actor, log.reason) for log in picks} == {(logistics, "批量发货")}


@pytest.mark.parametrize("typed", AS_TYPED.values(), ids=AS_TYPED)
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_order_number_is_found_as_people_type_it_in_either_kind_of_file(logistics, waiting, ship_file, typed, file_format):
    by_number, by_both, _other = waiting
    rows = [["", typed(by_number.order.number), "顺丰", "SF-A1"], [by_both.pk, typed(by_both.order.number), "中通", "ZT-B2"]]
    content = table(*rows) if file_format == "csv" else tablib.Dataset(*rows, headers=HEADER).export("xlsx")

    upload = ship_file(logistics, content, f"waybills.{file_format}")

    assert (upload.status, upload.problems, states()) == ("shipped", [], ["shipped", "shipped", "created"])


@pytest.mark.parametrize(("encoding", "prefix"), [("gbk", b""), ("gb18030", b""), ("utf-8", b"\xef\xbb\xbf")])
def test_gbk_and_bom_files_are_read(logistics, waiting, ship_file, encoding, prefix):
    first = waiting[0]

    upload = ship_file(logistics, prefix + table([first.pk, "", "韵达快递", "YD-001"], encoding=encoding))

    first.refresh_from_db()
    assert (upload.status, first.state, first.carrier) == ("shipped", "shipped", "韵达快递")


def test_an_xlsx_file_is_read(logistics, waiting, ship_file):
    first = waiting[0]
    content = tablib.Dataset([first.pk, first.order.number, "京东", 998877], headers=HEADER).export("xlsx")

    upload = ship_file(logistics, content, "waybills.xlsx")

    first.refresh_from_db()
    assert (upload.status, first.tracking_number) == ("shipped", "998877")


@pytest.mark.parametrize(("row", "attr", "code"), [
    (["999999", "", "顺丰", "SF-X"], "rows.3.shipment", "not_found"),
    (["no id", "", "顺丰", "SF-X"], "rows.3.shipment", "not_found"),
    (["", "RO-NONE", "顺丰", "SF-X"], "rows.3.order_number", "not_found"),
    (["", "", "顺丰", "SF-X"], "rows.3.shipment", "required"),
    (["{first}", "{second_order}", "顺丰", "SF-X"], "rows.3.order_number", "mismatch"),
    (["{first}", "", "顺丰", "SF-X"], "rows.3.shipment", "duplicate"),
    (["{second}", "", "顺丰", "SF-A"], "rows.3.tracking_number", "duplicate"),
    (["{second}", "", "SF Express", "SF-A"], "rows.3.tracking_number", "duplicate"),  # the same carrier however spelt
    (["{second}", "", "", "SF-X"], "rows.3.carrier", "invalid"),
    (["{second}", "", "顺丰", " "], "rows.3.tracking_number", "invalid"),
    (["{second}", "", "顺丰", "9" * 61], "rows.3.tracking_number", "invalid"),
    (["{second}", "", "顺" * 41, "SF-X"], "rows.3.carrier", "invalid"),
    (["{second}", "", "顺丰", "SF-X\n回复TD领取补偿"], "rows.3.tracking_number", "invalid"),
    (["{second}", "", "顺丰", "www.jf-10086.cn"], "rows.3.tracking_number", "invalid"),
    (["{second}", "", "顺丰\n积分今日清零", "SF-X"], "rows.3.carrier", "invalid"),
    (["{second}", "", "【积分商城】", "SF-X"], "rows.3.carrier", "invalid"),
    (["{second}", "", "https://jf-10086.cn", "SF-X"], "rows.3.carrier", "invalid"),
    (["{second}", "", "www.jf-10086.cn", "SF-X"], "rows.3.carrier", "invalid"),
    (["{second}", "", "顺丰 jf-10086.cn", "SF-X"], "rows.3.carrier", "invalid"),
    (["{second}", "", "t.cn/abc", "SF-X"], "rows.3.carrier", "invalid"),
    (["{second}", "", "顺丰速运", "SF-USED"], "rows.3.tracking_number", "in_use"),
    (["{shipped}", "", "顺丰", "SF-X"], "rows.3.shipment", "invalid_transition"),
    (["{dropship}", "", "顺丰", "SF-X"], "rows.3.shipment", "not_yours"),
])
def test_each_kind_of_bad_row_rejects_the_whole_file_naming_its_row_and_column(
    logistics, waiting, dropship_shipment, now, row, attr, code,
):
    first, second, shipped = waiting
    picked_and_shipped(shipment=shipped, actor=logistics, now=now, carrier="顺丰", tracking_number="SF-USED")
    names = {"first": first.pk, "second": second.pk, "second_order": second.order.number, "shipped": shipped.pk, "dropship": dropship_shipment.pk}
    content = table([first.pk, "", "顺丰", "SF-A"], [cell.format(**names) for cell in row])
    before = states()

    problems = refused(logistics, content, now)

    assert problems == [(attr, code)]
    assert states() == before and not ShipmentUpload.objects.exists()
    assert not Notification.objects.filter(kind="shipped", body__contains=first.order.number).exists()


def test_every_problem_of_a_file_is_reported_at_once_in_row_then_column_order(logistics, waiting, now):
    first, second, third = waiting

    problems = refused(logistics, table([999999, "", "", "SF-1"], [second.pk, "", "顺丰", ""], [third.pk, "", "顺丰", "SF-3"]), now)

    assert problems == [("rows.2.shipment", "not_found"), ("rows.2.carrier", "invalid"), ("rows.3.tracking_number", "invalid")]


def test_an_order_with_two_parcels_waiting_needs_the_shipment_id(logistics, waiting, now):
    first = waiting[0]
    Shipment.objects.create(order=first.order, supplier_id=first.supplier_id, kind="warehouse", quantity=1, created_at=now)

    assert refused(logistics, table(["", first.order.number, "顺丰", "SF-1"]), now) == [("rows.2.order_number", "ambiguous")]


def test_another_suppliers_shipment_is_not_found_as_one_that_does_not_exist(other_supplier_admin, dropship_shipment, now):
    with pytest.raises(TableRejected) as theirs:
        bulk_shipping.upload_shipping_file(actor=other_supplier_admin, now=now, file_name="w.csv",
                                           content=table([dropship_shipment.pk, dropship_shipment.order.number, "顺丰", "SF-1"]))
    with pytest.raises(TableRejected) as nobodys:
        bulk_shipping.upload_shipping_file(actor=other_supplier_admin, now=now, file_name="w.csv", content=table([999999, "", "顺丰", "SF-1"]))

    [(attr, code, detail)] = theirs.value.errors
    assert (attr, code) == ("rows.2.shipment", "not_found")
    assert detail == nobodys.value.errors[0][2].replace("999999", str(dropship_shipment.pk))
    by_number = refused(other_supplier_admin, table(["", dropship_shipment.order.number, "顺丰", "SF-1"]), now)
    assert by_number == [("rows.2.order_number", "not_found")]
    assert Shipment.objects.get(pk=dropship_shipment.pk).state == "created"


def test_a_dropship_supplier_ships_its_own_by_file_but_not_a_warehouse_parcel(supplier_staff, dropship_shipment, waiting, ship_file, now):
    upload = ship_file(supplier_staff, table([dropship_shipment.pk, "", "中通", "ZT-OWN"]))

    assert (upload.status, upload.supplier_id) == ("shipped", supplier_staff.supplier_id)
    assert Shipment.objects.get(pk=dropship_shipment.pk).state == "shipped"
    assert refused(supplier_staff, table([waiting[0].pk, "", "中通", "ZT-2"]), now) == [("rows.2.shipment", "not_yours")]


@pytest.mark.parametrize("role", ["member", "operator", "finance"])
def test_only_those_who_ship_upload_a_file(request, waiting, now, role):
    user = request.getfixturevalue(role)

    with pytest.raises(PermissionDenied):
        bulk_shipping.upload_shipping_file(actor=getattr(user, "user", user), now=now, file_name="w.csv",
                                           content=table([waiting[0].pk, "", "顺丰", "SF-1"]))

    assert states() == ["created"] * 3


def test_a_file_naming_shipments_by_neither_id_nor_order_number_is_refused_as_a_whole(logistics, waiting, now):
    assert refused(logistics, table(["顺丰", "SF-1"], header=["承运商", "运单号"]), now) == [("file", "missing_column")]


def test_a_row_shipped_by_hand_after_the_check_rejects_the_file_when_it_is_shipped_and_ships_none(logistics, waiting, now):
    first, second, _ = waiting
    upload = bulk_shipping.upload_shipping_file(actor=logistics, now=now, file_name="w.csv",
                                                content=table([first.pk, "", "顺丰", "SF-1"], [second.pk, "", "顺丰", "SF-2"]))
    picked_and_shipped(shipment=second, actor=logistics, now=now, carrier="中通", tracking_number="ZT-HAND")

    done = bulk_shipping.ship_upload(upload_id=upload.pk, now=now)

    assert done.status == "rejected" and done.shipped_count == 0 and done.rows_done == 2  # it went through both rows
    assert [(p["row"], p["column"], p["code"]) for p in done.problems] == [(3, "shipment", "invalid_transition")]
    assert done.problems[0]["heading"] == "运单ID"
    assert Shipment.objects.get(pk=first.pk).state == "created"
    assert not Notification.objects.filter(kind="shipped").exclude(body__contains="ZT-HAND").exists()


def test_shipping_an_upload_twice_ships_it_once(logistics, waiting, ship_file, now):
    upload = ship_file(logistics, table([waiting[0].pk, "", "顺丰", "SF-1"]))

    again = bulk_shipping.ship_upload(upload_id=upload.pk, now=now)

    assert again.status == "shipped"
    assert Notification.objects.filter(kind="shipped").count() == 1 and TransitionLog.objects.filter(transition="pick").count() == 1


def test_the_template_lists_the_shipments_waiting_with_their_numbers_and_neutralised_text(logistics, waiting, operator, supplier, now):
    shipments.pick_shipment(shipment=waiting[1], actor=logistics, now=now)
    picked_and_shipped(shipment=waiting[2], actor=logistics, now=now, carrier="顺丰", tracking_number="SF-GONE")
    waiting[0].order.gift.__class__.objects.filter(pk=waiting[0].order.gift_id).update(name="=HYPERLINK(1)")

    export = bulk_shipping.shipping_template(actor=logistics, file_format="csv", now=now)

    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0] == ["运单ID", "订单号", "发货仓", "礼品", "数量", "收件人", "收件电话", "收货地址", "承运商", "运单号"]
    assert [(row[0], row[1], row[8], row[9]) for row in rows[1:]] == [
        (str(s.pk), s.order.number, "", "") for s in waiting[:2]]
    assert rows[1][2] == "华东仓" and rows[1][3] == "'=HYPERLINK(1)"
    assert export.filename.endswith(".csv")


def test_the_template_filled_in_and_uploaded_ships_every_row_and_reads_no_recipient_back(logistics, waiting, ship_file, now):
    template = bulk_shipping.shipping_template(actor=logistics, file_format="xlsx", now=now)
    sheet = openpyxl.load_workbook(io.BytesIO(template.content)).active
    for number, row in enumerate(sheet.iter_rows(min_row=2), start=1):
        row[7].value = "随手改过的地址"
        row[8].value, row[9].value = "顺丰", f"SF-T{number}"
    filled = io.BytesIO()
    sheet.parent.save(filled)

    upload = ship_file(logistics, filled.getvalue(), "filled.xlsx")

    assert (upload.status, upload.shipped_count) == ("shipped", 3)
    assert states() == ["shipped"] * 3
    assert set(Shipment.objects.values_list("address", flat=True)) == {ADDRESS["address"]}


def test_a_supplier_template_holds_its_own_dropship_parcels_only(supplier_staff, dropship_shipment, waiting, now):
    export = bulk_shipping.shipping_template(actor=supplier_staff, file_format="csv", now=now)

    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [str(dropship_shipment.pk)]


def test_each_side_lists_its_own_uploads(logistics, supplier_staff, other_supplier_admin, waiting, dropship_shipment, ship_file):
    warehouse_upload = ship_file(logistics, table([waiting[0].pk, "", "顺丰", "SF-1"]))
    dropship_upload = ship_file(supplier_staff, table([dropship_shipment.pk, "", "中通", "ZT-1"]))

    assert list(bulk_shipping.list_shipment_uploads(actor=logistics)) == [warehouse_upload]
    assert list(bulk_shipping.list_shipment_uploads(actor=supplier_staff)) == [dropship_upload]
    assert list(bulk_shipping.list_shipment_uploads(actor=other_supplier_admin)) == []



def test_an_unexpected_error_while_shipping_ships_nothing_says_so_and_is_raised(logistics, waiting, now, monkeypatch):
    upload = bulk_shipping.upload_shipping_file(actor=logistics, now=now, file_name="w.csv",
                                                content=table([waiting[0].pk, "", "顺丰", "SF-1"], [waiting[1].pk, "", "顺丰", "SF-2"]))

    def carrier_down(**_kwargs):
        raise RuntimeError("carrier system down")

    monkeypatch.setattr(shipments, "ship_shipment", carrier_down)
    with pytest.raises(RuntimeError):
        bulk_shipping.ship_upload(upload_id=upload.pk, now=now)

    upload.refresh_from_db()
    assert upload.status == "rejected" and [(p["row"], p["code"]) for p in upload.problems] == [(None, "error")]
    assert states() == ["created"] * 3  # the picks went back with the rest


@pytest.fixture
def reported(monkeypatch) -> list[int]:
    """The counts of rows done the shipping writes on its upload, as it writes them (tests/integration checks that its
    page sees them meanwhile, on PostgreSQL)."""
    counts: list[int] = []

    @contextmanager
    def recorded(model, pk):
        assert (model, pk) == (ShipmentUpload, ShipmentUpload.objects.get().pk)
        yield lambda rows_done, **_seen: counts.append(rows_done)

    monkeypatch.setattr(jobs, "outside_the_transaction", recorded)
    return counts


def test_the_upload_counts_the_rows_done_while_it_ships_and_ends_with_every_row_counted(logistics, waiting, now, reported):
    upload = bulk_shipping.upload_shipping_file(actor=logistics, now=now, file_name="w.csv",
                                                content=table(*([s.pk, "", "顺丰", f"SF-{s.pk}"] for s in waiting)))

    done = bulk_shipping.ship_upload(upload_id=upload.pk, now=now, progress_every=1)

    assert reported == [1, 2, 3]
    assert (done.status, done.rows_done, done.row_count, done.shipped_count, done.percent) == ("shipped", 3, 3, 3, 100)


def test_an_upload_counts_in_steps_and_a_file_failing_halfway_keeps_where_it_stopped_and_ships_none(logistics, waiting, now,
                                                                                                   monkeypatch, reported):
    upload = bulk_shipping.upload_shipping_file(actor=logistics, now=now, file_name="w.csv",
                                                content=table(*([s.pk, "", "顺丰", f"SF-{s.pk}"] for s in waiting)))
    ship = shipments.ship_shipment

    def down_at_the_third(**kwargs):
        if kwargs["shipment"] == waiting[2]:
            raise RuntimeError("carrier system down")
        return ship(**kwargs)

    monkeypatch.setattr(shipments, "ship_shipment", down_at_the_third)
    with pytest.raises(RuntimeError):
        bulk_shipping.ship_upload(upload_id=upload.pk, now=now, progress_every=2)

    upload.refresh_from_db()
    assert reported == [2]  # written every second row
    assert (upload.status, upload.rows_done, upload.shipped_count, upload.percent) == ("rejected", 2, 0, 67)
    assert states() == ["created"] * 3 and not Notification.objects.filter(kind="shipped").exists()
