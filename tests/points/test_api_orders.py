"""The member API: catalog, orders with Idempotency-Key and second confirmation, balance, history, opt-out; bulk credits."""
from datetime import timedelta
from types import SimpleNamespace

import pytest

from core.models import Notification
from points.models import LedgerEntry, PointsAccount, RedemptionOrder
from points.services import ledger, orders
from suppliers.models import StockRecord
from tests.factories import ADDRESS, GiftFactory
from tests.helpers import assert_list_queries_constant, published
from tests.portal import logged_in

pytestmark = pytest.mark.django_db


def order_body(gift, quantity=1):
    return {"gift": gift.pk, "quantity": quantity, **ADDRESS}


def test_the_catalog_shows_the_members_price_and_availability_but_no_settlement_price(api, rich_member, listed_gift):
    listed_gift.tier_discounts = {"gold": 10}
    listed_gift.save(update_fields=["tier_discounts"])

    results = api(rich_member.user).get("/api/v1/catalog/").json()["results"]

    assert [(g["id"], g["points_price"], g["available"], g["sold_out"]) for g in results] == [(listed_gift.pk, 1350, 10, False)]
    assert "settlement_price" not in results[0]


def test_catalog_filters_and_bad_bounds(api, rich_member, listed_gift):
    client = api(rich_member.user)

    assert client.get("/api/v1/catalog/?max_points=1000").json()["results"] == []
    assert len(client.get("/api/v1/catalog/?min_points=1000&category=tea").json()["results"]) == 1
    bad = client.get("/api/v1/catalog/?min_points=lots")
    assert bad.status_code == 400 and bad.json()["errors"][0]["attr"] == "min_points"
    bad_maximum = client.get("/api/v1/catalog/?min_points=10&max_points=abc")
    assert bad_maximum.status_code == 400 and bad_maximum.json()["errors"][0]["attr"] == "max_points"
    reversed_range = client.get("/api/v1/catalog/?min_points=20000&max_points=100")
    assert reversed_range.status_code == 400 and [(e["attr"], e["detail"]) for e in reversed_range.json()["errors"]] == [
        ("max_points", "最高积分不能低于最低积分")]
    assert len(client.get("/api/v1/catalog/?min_points=1500&max_points=1500").json()["results"]) == 1  # one price: a range


def test_the_catalog_runs_the_same_queries_for_1_and_50_gifts(api, rich_member, operator, now):

    def make(n):
        for _ in range(n):
            gift = GiftFactory()
            published(gift, actor=operator, at=now)

    assert_list_queries_constant(api(rich_member.user), "/api/v1/catalog/", make)


def test_placing_twice_with_one_key_creates_one_order(api, rich_member, listed_gift):
    client = api(rich_member.user)

    first = client.post("/api/v1/orders/", order_body(listed_gift), format="json", HTTP_IDEMPOTENCY_KEY="redeem-1")
    second = client.post("/api/v1/orders/", order_body(listed_gift), format="json", HTTP_IDEMPOTENCY_KEY="redeem-1")

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert RedemptionOrder.objects.count() == 1
    assert PointsAccount.objects.get(member=rich_member).balance == 48_500


def test_placing_without_a_key_is_400_and_creates_nothing(api, rich_member, listed_gift):
    response = api(rich_member.user).post("/api/v1/orders/", order_body(listed_gift), format="json")

    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "idempotency_key_missing"
    assert not RedemptionOrder.objects.exists()


@pytest.mark.parametrize("change, field", [
    ({"quantity": 0}, "quantity"), ({"quantity": 100}, "quantity"), ({"quantity": "x"}, "quantity"),
    ({"recipient_phone": "0571-8888888"}, "recipient_phone"), ({"recipient_phone": "10000000000"}, "recipient_phone"),
    ({"address": ""}, "address"), ({"address": " ab "}, "address"), ({"gift": None}, "gift"),
    ({"gift": 2**63}, "gift"), ({"gift": -(2**63) - 1}, "gift"),  # no key holds them: refused, not a query the database fails
])
def test_bad_input_is_400_naming_the_field_and_the_key_can_be_used_again(api, rich_member, listed_gift, change, field):
    client = api(rich_member.user)

    refused = client.post("/api/v1/orders/", order_body(listed_gift) | change, format="json", HTTP_IDEMPOTENCY_KEY="redeem-bad")
    placed = client.post("/api/v1/orders/", order_body(listed_gift), format="json", HTTP_IDEMPOTENCY_KEY="redeem-bad")

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == field
    assert placed.status_code == 201  # a refused request stores no outcome under its key
    assert RedemptionOrder.objects.count() == 1


@pytest.mark.parametrize("hidden", ["unknown", "unlisted", "another_program", "above_tier"])
def test_a_gift_outside_the_members_catalog_is_404_naming_gift_and_the_key_can_be_used_again(api, rich_member, listed_gift, operator, now, hidden):
    gift = {
        "unknown": lambda: SimpleNamespace(pk=listed_gift.pk + 1000),
        "unlisted": lambda: GiftFactory(),
        "another_program": lambda: published(GiftFactory(points={"mzone": 1200}), actor=operator, at=now),
        "above_tier": lambda: published(GiftFactory(min_tier="diamond"), actor=operator, at=now),
    }[hidden]()
    client = api(rich_member.user)

    refused = client.post("/api/v1/orders/", order_body(gift), format="json", HTTP_IDEMPOTENCY_KEY="redeem-hidden")
    placed = client.post("/api/v1/orders/", order_body(listed_gift), format="json", HTTP_IDEMPOTENCY_KEY="redeem-hidden")

    assert refused.status_code == 404
    assert [(e["attr"], e["code"]) for e in refused.json()["errors"]] == [("gift", "not_found")]
    assert placed.status_code == 201 and RedemptionOrder.objects.count() == 1


def test_a_sold_out_gift_of_the_catalog_is_still_a_409(api, rich_member, listed_gift):
    StockRecord.objects.filter(gift=listed_gift).update(on_hand=0)

    response = api(rich_member.user).post("/api/v1/orders/", order_body(listed_gift), format="json", HTTP_IDEMPOTENCY_KEY="sold-out")

    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "out_of_stock"
    assert not RedemptionOrder.objects.exists()


def test_a_large_order_is_confirmed_with_the_code_from_the_sms(api, rich_member, listed_gift):
    client = api(rich_member.user)
    placed = client.post("/api/v1/orders/", order_body(listed_gift, 7), format="json", HTTP_IDEMPOTENCY_KEY="big").json()
    code = Notification.objects.get(kind="confirmation_code").body.split("验证码为 ")[1][:6]

    wrong = client.post(f"/api/v1/orders/{placed['id']}/confirm/", {"code": "000000" if code != "000000" else "111111"})
    right = client.post(f"/api/v1/orders/{placed['id']}/confirm/", {"code": code})

    assert placed["state"] == "awaiting_confirmation"
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["code"] == "invalid_code"
    assert right.status_code == 200 and right.json()["state"] == "confirmed"


def test_an_order_says_how_many_codes_may_still_be_tried_and_when_five_wrong_ones_locked_it(api, rich_member, listed_gift, operator):
    client = api(rich_member.user)
    placed = client.post("/api/v1/orders/", order_body(listed_gift, 7), format="json", HTTP_IDEMPOTENCY_KEY="big").json()
    code = Notification.objects.get(kind="confirmation_code").body.split("验证码为 ")[1][:6]
    wrong = "000000" if code != "000000" else "111111"
    url = f"/api/v1/orders/{placed['id']}/"

    client.post(f"{url}confirm/", {"code": wrong})
    after_one = client.get(url).json()
    for _ in range(4):
        client.post(f"{url}confirm/", {"code": wrong})
    locked = client.get(url).json()
    listed = client.get("/api/v1/orders/").json()["results"][0]
    staff = api(operator).get(url).json()

    assert (placed["code_locked"], placed["code_tries_left"]) == (False, 5)
    assert (after_one["code_locked"], after_one["code_tries_left"]) == (False, 4)
    assert (locked["state"], locked["code_locked"], locked["code_tries_left"]) == ("awaiting_confirmation", True, None)
    assert (listed["code_locked"], staff["code_locked"]) == (True, True)


def test_an_order_confirmed_at_once_waits_for_no_code(api, rich_member, listed_gift):
    placed = api(rich_member.user).post("/api/v1/orders/", order_body(listed_gift), format="json", HTTP_IDEMPOTENCY_KEY="small").json()

    assert (placed["state"], placed["code_locked"], placed["code_tries_left"]) == ("confirmed", False, None)


def test_a_code_for_an_order_that_needs_none_is_409_invalid_transition_and_sends_nothing(api, rich_member, listed_gift):
    client = api(rich_member.user)
    placed = client.post("/api/v1/orders/", order_body(listed_gift), format="json", HTTP_IDEMPOTENCY_KEY="small").json()

    response = client.post(f"/api/v1/orders/{placed['id']}/resend-code/")

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "invalid_transition"
    assert not Notification.objects.filter(kind="confirmation_code").exists()


def test_a_code_asked_for_too_soon_is_429_saying_how_many_seconds_remain_with_retry_after(api, rich_member, listed_gift, now,
                                                                                           time_machine):
    client = api(rich_member.user)
    time_machine.move_to(now, tick=False)
    placed = client.post("/api/v1/orders/", order_body(listed_gift, 7), format="json", HTTP_IDEMPOTENCY_KEY="big").json()
    time_machine.move_to(now + timedelta(seconds=15), tick=False)

    response = client.post(f"/api/v1/orders/{placed['id']}/resend-code/")

    assert (response.status_code, response["Retry-After"]) == (429, "45")
    error = response.json()["errors"][0]
    assert (error["code"], error["attr"]) == ("code_resend_too_soon", "code") and "45 秒" in error["detail"]
    assert Notification.objects.filter(kind="confirmation_code").count() == 1


def test_not_enough_points_is_409(api, member, listed_gift):
    response = api(member.user).post("/api/v1/orders/", order_body(listed_gift), format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "insufficient_points"


def test_not_enough_points_for_an_order_that_needs_a_code_names_the_points_needed_and_available(api, member, listed_gift, now):
    ledger.earn_points(member=member, points=4_000, source=ledger.Source("batch", "SOME"), at=now)

    response = api(member.user).post("/api/v1/orders/", order_body(listed_gift, 7), format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert response.status_code == 409
    assert response.json()["errors"] == [{"code": "insufficient_points", "detail": "积分不足：需要 10,500，可用 4,000", "attr": "points"}]
    assert not RedemptionOrder.objects.exists() and not Notification.objects.filter(kind="confirmation_code").exists()


def test_a_member_cannot_see_or_cancel_another_members_order(api, rich_member, other_member, listed_gift):
    order = api(rich_member.user).post("/api/v1/orders/", order_body(listed_gift), format="json", HTTP_IDEMPOTENCY_KEY="k").json()

    assert api(other_member.user).get(f"/api/v1/orders/{order['id']}/").status_code == 404
    assert api(other_member.user).post(f"/api/v1/orders/{order['id']}/cancel/", {}).status_code == 404
    assert RedemptionOrder.objects.get().state == "confirmed"


def test_cancelling_through_the_api_gives_the_points_back_and_shows_the_history(api, rich_member, listed_gift):
    client = api(rich_member.user)
    order = client.post("/api/v1/orders/", order_body(listed_gift), format="json", HTTP_IDEMPOTENCY_KEY="k").json()

    cancelled = client.post(f"/api/v1/orders/{order['id']}/cancel/", {"reason": "买错了"})
    history = client.get(f"/api/v1/orders/{order['id']}/history/").json()
    balance = client.get("/api/v1/points/balance/").json()

    assert cancelled.json()["state"] == "cancelled"
    assert [h["target_state"] for h in history] == ["awaiting_confirmation", "confirmed", "cancelled"]
    assert balance["balance"] == 50_000
    assert balance["upcoming_expiries"][0]["points"] == 50_000


def waiting_order(api, member, gift) -> dict:
    """An order of `member` placed through the API above the SMS threshold: waiting for its code."""
    return api(member.user).post("/api/v1/orders/", order_body(gift, 7), format="json", HTTP_IDEMPOTENCY_KEY="big").json()


def test_the_member_cancels_an_order_waiting_for_its_code_and_the_code_stops_working(api, rich_member, listed_gift):
    client = api(rich_member.user)
    order = waiting_order(api, rich_member, listed_gift)
    code = Notification.objects.get(kind="confirmation_code").body.split("验证码为 ")[1][:6]
    texts = Notification.objects.count()

    cancelled = client.post(f"/api/v1/orders/{order['id']}/cancel/", {"reason": "数量选错了"}, format="json")
    confirmed = client.post(f"/api/v1/orders/{order['id']}/confirm/", {"code": code}, format="json")
    history = client.get(f"/api/v1/orders/{order['id']}/history/").json()

    assert (cancelled.status_code, cancelled.json()["state"], cancelled.json()["code_tries_left"]) == (200, "cancelled", None)
    assert (confirmed.status_code, confirmed.json()["errors"][0]["code"]) == (409, "invalid_transition")
    assert [(h["transition"], h["source_state"], h["target_state"], h["reason"]) for h in history][-1] == (
        "cancel", "awaiting_confirmation", "cancelled", "数量选错了")
    assert client.get("/api/v1/points/balance/").json()["balance"] == 50_000
    assert StockRecord.objects.get(gift=listed_gift).reserved == 0 and Notification.objects.count() == texts


@pytest.mark.parametrize(("role", "status"), [
    ("other_member", 404), ("its_supplier", 403), ("other_supplier", 404), ("logistics", 403), ("finance", 403),
])
def test_nobody_else_cancels_a_members_order_waiting_for_its_code(api, request, rich_member, listed_gift, role, status):
    from tests.factories import SupplierUserFactory

    order = waiting_order(api, rich_member, listed_gift)
    user = {"other_member": lambda: request.getfixturevalue("other_member").user,
            "its_supplier": lambda: SupplierUserFactory(username="its_staff", role="supplier_staff", supplier=listed_gift.supplier),
            "other_supplier": lambda: request.getfixturevalue("supplier_admin")}.get(role, lambda: request.getfixturevalue(role))()

    response = api(user).post(f"/api/v1/orders/{order['id']}/cancel/", {"reason": "x"}, format="json")

    assert response.status_code == status
    assert RedemptionOrder.objects.get().state == "awaiting_confirmation"


def test_an_operator_cancels_an_order_waiting_for_its_code_saying_why(api, rich_member, listed_gift, operator):
    order = waiting_order(api, rich_member, listed_gift)

    refused = api(operator).post(f"/api/v1/orders/{order['id']}/cancel/", {}, format="json")
    cancelled = api(operator).post(f"/api/v1/orders/{order['id']}/cancel/", {"reason": "会员来电取消"}, format="json")

    assert (refused.status_code, refused.json()["errors"][0]["attr"]) == (400, "reason")
    assert (cancelled.status_code, cancelled.json()["state"]) == (200, "cancelled")


def test_an_order_past_its_15_minutes_is_409_order_expired_not_cancelled(api, rich_member, listed_gift, now, time_machine):
    time_machine.move_to(now, tick=False)
    order = waiting_order(api, rich_member, listed_gift)
    time_machine.move_to(now + orders.CONFIRMATION_WINDOW, tick=False)

    response = api(rich_member.user).post(f"/api/v1/orders/{order['id']}/cancel/", {}, format="json")

    assert (response.status_code, response.json()["errors"][0]["code"]) == (409, "order_expired")
    assert RedemptionOrder.objects.get().state == "expired"


def test_an_operator_cancelling_a_members_order_through_the_api_without_a_reason_is_a_400_required_naming_it(api, rich_member,
                                                                                                            listed_gift, operator):
    order = api(rich_member.user).post("/api/v1/orders/", order_body(listed_gift), format="json", HTTP_IDEMPOTENCY_KEY="k").json()

    refused = api(operator).post(f"/api/v1/orders/{order['id']}/cancel/", {}, format="json")

    error = refused.json()["errors"][0]
    assert (refused.status_code, error["code"], error["attr"]) == (400, "required", "reason")
    assert RedemptionOrder.objects.get().state == "confirmed"


def test_the_history_names_steps_and_states_and_never_shows_a_members_phone_to_the_supplier(api, rich_member, listed_gift, supplier_admin):
    from suppliers.models import SupplierMembership

    rich_member.user.username = rich_member.phone  # a member logs in with its phone number
    rich_member.user.save()
    SupplierMembership.objects.filter(user=supplier_admin).update(supplier=listed_gift.supplier)
    supplier_admin.refresh_from_db()
    client = api(rich_member.user)
    order = client.post("/api/v1/orders/", order_body(listed_gift), format="json", HTTP_IDEMPOTENCY_KEY="k").json()
    client.post(f"/api/v1/orders/{order['id']}/cancel/", {"reason": "买错了"})

    as_supplier = api(supplier_admin).get(f"/api/v1/orders/{order['id']}/history/").json()
    in_english = api(supplier_admin).get(f"/api/v1/orders/{order['id']}/history/", HTTP_ACCEPT_LANGUAGE="en").json()

    masked = f"{rich_member.phone[:3]}****{rich_member.phone[-4:]}"
    assert [(h["transition"], h["transition_label"], h["source_label"], h["target_label"]) for h in as_supplier] == [
        ("place", "下单", "", "待确认"), ("confirm", "确认", "待确认", "已确认"), ("cancel", "取消", "已确认", "已取消"),
    ]
    assert {h["actor"] for h in as_supplier} == {f"会员 {masked}"} and rich_member.phone not in str(as_supplier)
    assert [(h["transition_label"], h["target_label"], h["actor"]) for h in in_english] == [
        ("Place order", "Awaiting confirmation", f"Member {masked}"), ("Confirm", "Confirmed", f"Member {masked}"),
        ("Cancel", "Cancelled", f"Member {masked}"),
    ]


def test_suppliers_see_their_orders_with_masked_contact_and_members_no_settlement_figures(api, rich_member, listed_gift, supplier_admin):
    from suppliers.models import SupplierMembership

    SupplierMembership.objects.filter(user=supplier_admin).update(supplier=listed_gift.supplier)
    supplier_admin.refresh_from_db()
    order = api(rich_member.user).post("/api/v1/orders/", order_body(listed_gift), format="json", HTTP_IDEMPOTENCY_KEY="k").json()

    as_supplier = api(supplier_admin).get(f"/api/v1/orders/{order['id']}/").json()

    assert "settlement_amount" not in order
    assert (as_supplier["recipient_phone"], as_supplier["settlement_amount"]) == ("138****8000", "180.00")


def test_the_ledger_history_lists_entries_with_reasons(api, rich_member):
    entries = api(rich_member.user).get("/api/v1/points/entries/").json()["results"]

    assert [(e["kind"], e["points"], e["reason_code"]) for e in entries] == [("earn", 50_000, "earn")]


def test_a_member_opts_out_of_reminders(api, member):
    response = api(member.user).patch("/api/v1/member/profile/", {"reminders_opt_out": True}, format="json")

    assert response.json()["reminders_opt_out"] is True


def test_bulk_credit_posts_once_per_batch_and_a_bad_row_rejects_the_batch(api, operator, member, other_member):
    client = api(operator)
    rows = [{"phone": member.phone, "points": 100}, {"phone": other_member.phone, "points": 200}]

    client.post("/api/v1/points/credits/", {"batch": "B1", "rows": rows}, format="json")
    client.post("/api/v1/points/credits/", {"batch": "B1", "rows": rows}, format="json")
    bad = client.post("/api/v1/points/credits/", {"batch": "B2", "rows": rows + [{"phone": "19900000000", "points": 5}]}, format="json")

    assert LedgerEntry.objects.count() == 2
    assert bad.status_code == 400 and bad.json()["errors"][0]["attr"] == "rows.2.phone"
    assert ledger.account_of(member).balance == 100


def test_a_reason_the_system_wrote_reads_in_the_readers_language(api, rich_member, listed_gift, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=now, **ADDRESS)
    orders.expire_unconfirmed_orders(now=now + timedelta(minutes=16))
    url = f"/api/v1/orders/{order.pk}/history/"

    chinese = api(rich_member.user).get(url).json()[-1]
    english = api(rich_member.user).get(url, HTTP_ACCEPT_LANGUAGE="en").json()[-1]
    page = logged_in(rich_member.user).get(f"/member/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert (chinese["transition"], chinese["reason"], chinese["reason_label"]) == ("expire", "15分钟内未确认", "15分钟内未确认")
    assert (english["reason"], english["reason_label"]) == ("15分钟内未确认", "Not confirmed within 15 minutes")
    assert "Not confirmed within 15 minutes" in page


def test_a_filter_by_another_members_id_answers_as_one_that_does_not_exist(api, rich_member, other_member, listed_gift):
    client = api(rich_member.user)

    answers = {value: client.get(f"/api/v1/points/entries/?account__member={value}") for value in (other_member.pk, 999_999, "abc")}
    gifts = {value: client.get(f"/api/v1/orders/?gift={value}").status_code for value in (listed_gift.pk, 999_999)}

    assert [answers[v].status_code for v in (other_member.pk, 999_999)] == [200, 200]
    assert answers[other_member.pk].json()["results"] == answers[999_999].json()["results"] == []
    assert answers["abc"].status_code == 400 and answers["abc"].json()["errors"][0]["attr"] == "account__member"
    assert gifts == {listed_gift.pk: 200, 999_999: 200}


def test_staff_filter_orders_by_the_time_they_were_placed(api, operator, rich_member, listed_gift, now):
    earlier = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now - timedelta(days=2), **ADDRESS)
    later = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)
    client = api(operator)

    since = client.get("/api/v1/orders/", {"placed_after": (now - timedelta(days=1)).isoformat()}).json()["results"]
    before = client.get("/api/v1/orders/", {"placed_before": (now - timedelta(days=1)).isoformat(), "supplier": listed_gift.supplier_id})
    bad = client.get("/api/v1/orders/", {"placed_after": "last week"})

    assert [row["id"] for row in since] == [later.pk]
    assert [row["id"] for row in before.json()["results"]] == [earlier.pk]
    assert bad.status_code == 400 and bad.json()["errors"][0]["attr"] == "placed_after"


def test_a_time_range_ending_before_or_at_its_start_is_a_400_naming_its_end_not_an_empty_list(api, operator, rich_member, listed_gift, now):
    orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)
    client = api(operator)
    day = timedelta(days=1)

    reversed_range = client.get("/api/v1/orders/", {"placed_after": (now + day).isoformat(), "placed_before": (now - day).isoformat()})
    shipments = client.get("/api/v1/shipments/", {"created_after": (now + day).isoformat(), "created_before": (now - day).isoformat()})
    empty = client.get("/api/v1/orders/", {"placed_after": now.isoformat(), "placed_before": now.isoformat()})
    around = client.get("/api/v1/orders/", {"placed_after": (now - day).isoformat(), "placed_before": (now + day).isoformat()})

    assert reversed_range.status_code == 400
    assert [(e["attr"], e["detail"]) for e in reversed_range.json()["errors"]] == [("placed_before", "placed_before 须晚于 placed_after")]
    # placed_before is exclusive: a range ending where it starts holds no time, and says so rather than listing nothing
    assert empty.status_code == 400 and [(e["attr"], e["detail"]) for e in empty.json()["errors"]] == [("placed_before", "placed_before 须晚于 placed_after")]
    assert shipments.status_code == 400 and shipments.json()["errors"][0]["attr"] == "created_before"
    assert around.status_code == 200 and around.json()["count"] == 1


@pytest.mark.parametrize(("path", "start", "end"), [("/api/v1/orders/", "placed_after", "placed_before"),
                                                     ("/api/v1/shipments/", "created_after", "created_before")])
def test_a_time_range_the_wrong_way_round_is_refused_with_the_code_invalid_clients_match_on(api, operator, now, path, start, end):
    day = timedelta(days=1)

    response = api(operator).get(path, {start: (now + day).isoformat(), end: (now - day).isoformat()})

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [(end, "invalid")]


def test_an_unknown_ordering_is_a_400_naming_the_parameter_and_a_known_one_orders(api, rich_member, listed_gift, now):
    orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)
    client = api(rich_member.user)

    unknown = client.get("/api/v1/orders/?ordering=zzz")
    known = client.get("/api/v1/orders/?ordering=-placed_at")

    assert unknown.status_code == 400 and unknown.json()["errors"][0]["attr"] == "ordering" and "placed_at" in unknown.json()["errors"][0]["detail"]
    assert known.status_code == 200 and len(known.json()["results"]) == 1


def test_an_api_order_is_one_transaction_without_savepoints_and_a_taken_number_places_it_again(api, rich_member, listed_gift, monkeypatch):
    """The order's number is drawn without a savepoint of its own: a taken one rolls the request's transaction back
    and places the whole order again under another number, the idempotency record with it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core import numbers

    drawn = iter(["RO-A", "RO-A", "RO-B"])
    monkeypatch.setattr(numbers, "new_number", lambda prefix, at: next(drawn))
    client = api(rich_member.user)
    assert client.post("/api/v1/orders/", order_body(listed_gift), format="json", HTTP_IDEMPOTENCY_KEY="k-1").status_code == 201

    with CaptureQueriesContext(connection) as queries:
        second = client.post("/api/v1/orders/", order_body(listed_gift), format="json", HTTP_IDEMPOTENCY_KEY="k-2")

    assert second.status_code == 201 and second.json()["number"] == "RO-B"
    savepoints = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) == 2  # one per run of the request's transaction (inside the test's own), none for the number
    assert ledger.account_of(rich_member).balance == 47_000  # two orders drawn, the rolled-back try none
    assert RedemptionOrder.objects.count() == 2 and StockRecord.objects.get(gift=listed_gift).reserved == 2
    replay = client.post("/api/v1/orders/", order_body(listed_gift), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert replay.json()["number"] == "RO-B" and replay["Idempotent-Replayed"] == "true"
