"""The tariff of extra costs keeps its history: each change records the price and unit before and after, who changed it
and when, shown to staff on the tariff page and listed by the API; suppliers see the current tariff only."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone, translation

from core.errors import PermissionDenied, ValidationFailed
from logistics.models import Tariff, TariffChange
from logistics.models.costs import KIND_UNIT
from logistics.services import costs
from tests.portal import field_errors, page_in

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def storage():
    return Tariff.objects.get(kind="storage")


def test_a_tariff_change_keeps_the_previous_price_and_unit_with_who_changed_it_and_when(storage, operator, now):
    was = (storage.amount, storage.unit)

    costs.update_tariff(reason="按合同调整", tariff=storage, amount=Decimal("2.50"), unit="lot_day", actor=operator, now=now)

    change = TariffChange.objects.get()
    assert (change.previous_amount, change.previous_unit) == was and was[1] == "lot_day"
    assert (change.amount, change.unit, change.changed_by, change.changed_at) == (Decimal("2.50"), "lot_day", operator, now)
    assert Tariff.objects.get(kind="storage").amount == Decimal("2.50")


def test_successive_changes_are_each_kept_newest_first(storage, operator, now):
    was = storage.amount
    costs.update_tariff(reason="按合同调整", tariff=storage, amount=Decimal("2.40"), actor=operator, now=now)
    costs.update_tariff(reason="按合同调整", tariff=storage, amount=Decimal("3.00"), actor=operator, now=now + timedelta(days=1))

    listed = costs.list_tariff_changes(actor=operator, kind="storage")

    assert [(c.previous_amount, c.amount) for c in listed] == [(Decimal("2.40"), Decimal("3.00")), (was, Decimal("2.40"))]


def test_a_price_change_prices_what_falls_due_from_its_moment_and_not_a_moment_before(storage, operator, now):
    was = storage.amount
    costs.update_tariff(reason="按合同调整", tariff=storage, amount=Decimal("2.50"), actor=operator, now=now)
    storage = Tariff.objects.get(kind="storage")

    assert costs.price(tariff=storage, quantity=2, at=now - timedelta(microseconds=1)) == was * 2
    assert costs.price(tariff=storage, quantity=2, at=now) == Decimal("5.00")


def test_the_same_price_and_unit_again_change_nothing_and_keep_no_history(storage, operator, now):
    costs.update_tariff(reason="按合同调整", tariff=storage, amount=storage.amount, unit=storage.unit, actor=operator, now=now)

    assert not TariffChange.objects.exists()


def test_saving_the_same_price_needs_no_reason_and_a_new_price_does(storage, operator, now):
    costs.update_tariff(reason="", tariff=storage, amount=storage.amount, actor=operator, now=now)  # nothing changes: no reason asked
    with pytest.raises(ValidationFailed) as refused:
        costs.update_tariff(reason=" ", tariff=storage, amount=storage.amount + 1, actor=operator, now=now)

    assert (refused.value.field, str(refused.value)) == ("reason", "请填写修改原因")
    assert not TariffChange.objects.exists()


@pytest.mark.parametrize(("changes", "field"), [({"amount": Decimal("-1")}, "amount"), ({"amount": Decimal("1.005")}, "amount"),
                                                ({"amount": Decimal("1"), "unit": " "}, "unit"),
                                                ({"amount": Decimal("1"), "unit": "批次·天"}, "unit"),
                                                ({"amount": Decimal("1"), "unit": "lot"}, "unit")])
def test_a_refused_change_keeps_the_tariff_and_no_history(storage, operator, now, changes, field):
    was = (storage.amount, storage.unit)

    with pytest.raises(ValidationFailed) as refused:
        costs.update_tariff(reason="按合同调整", tariff=storage, actor=operator, now=now, **changes)

    stored = Tariff.objects.get(kind="storage")
    assert refused.value.field == field
    assert (stored.amount, stored.unit) == was and not TariffChange.objects.exists()


@pytest.mark.parametrize("role", ["logistics", "finance", "supplier_admin"])
def test_only_an_operator_changes_the_tariff(request, storage, now, role):
    was = storage.amount

    with pytest.raises(PermissionDenied):
        costs.update_tariff(reason="按合同调整", tariff=storage, amount=Decimal("9.00"), actor=request.getfixturevalue(role), now=now)

    assert Tariff.objects.get(kind="storage").amount == was and not TariffChange.objects.exists()


def test_the_operator_changes_a_price_on_the_tariff_page_and_comes_back_to_it(storage, operator):
    client = logged_in(operator)

    page = client.get("/logistics/tariffs/").content.decode()
    response = client.post("/logistics/tariffs/storage/", {"amount": "2.50", "reason": "按合同调整"})

    assert page.count('data-action="update-tariff"') == Tariff.objects.count()
    assert response.status_code == 302 and response["Location"] == "/logistics/tariffs/"
    assert Tariff.objects.get(kind="storage").amount == Decimal("2.50")
    assert "费用标准已更新：仓储费" in client.get("/logistics/tariffs/").content.decode()


@pytest.mark.parametrize(("amount", "error"), [("-1", "单价须为 0.01–10,000.00 元、最多两位小数"), ("2.555", "确认小数不超过 2 位"),
                                                 ("", "该字段是必填项")])
def test_a_bad_price_comes_back_next_to_its_field_on_the_tariff_page_and_changes_nothing(storage, operator, amount, error):
    was = storage.amount

    response = logged_in(operator).post("/logistics/tariffs/storage/", {"amount": amount, "reason": "按合同调整"})

    assert response.status_code == 400
    assert error in field_errors(response)["amount"]
    assert f'value="{amount}"' in response.content.decode()  # the price as entered, in its row
    assert 'aria-describedby="id_storage_amount_error"' in response.content.decode() and 'id="id_storage_amount_error"' in response.content.decode()
    assert field_errors(logged_in(operator).get("/logistics/tariffs/")) == {}
    assert Tariff.objects.get(kind="storage").amount == was and not TariffChange.objects.exists()


def test_the_tariff_page_shown_again_after_a_refusal_filters_and_pages_the_changes_at_its_own_address(storage, operator):
    client = logged_in(operator)
    for amount in ("2.50", "3.00", "3.50") * 8:  # more changes than a page holds
        client.post("/logistics/tariffs/storage/", {"amount": amount, "reason": "按合同调整"})

    html = client.post("/logistics/tariffs/storage/", {"amount": "-1", "reason": "按合同调整"}).content.decode()

    assert '<form method="get" action="/logistics/tariffs/" class="filters"' in html
    assert 'href="/logistics/tariffs/?page=2" data-page="next"' in html and 'action="/logistics/tariffs/" class="page-jump"' in html
    assert client.get("/logistics/tariffs/", {"page": 2}).status_code == 200


def test_only_operators_get_the_tariff_forms_and_the_costs_page_has_none(storage, logistics, finance, operator):
    for user in (logistics, finance):
        assert 'data-action="update-tariff"' not in logged_in(user).get("/logistics/tariffs/").content.decode()
        assert logged_in(user).post("/logistics/tariffs/storage/", {"amount": "9.00", "reason": "按合同调整"}).status_code == 403
    costs_page = logged_in(operator).get("/logistics/extra-costs/").content.decode()
    assert 'data-action="update-tariff"' not in costs_page
    # the costs page says where the prices are changed to those who change them, and leads the others to the history
    assert 'data-testid="tariff-history">修改费用标准</a>' in costs_page
    assert 'data-testid="tariff-history">变更记录</a>' in logged_in(logistics).get("/logistics/extra-costs/").content.decode()
    assert Tariff.objects.get(kind="storage").amount == storage.amount


def test_a_change_made_on_the_tariff_page_shows_in_its_history_with_who_and_when(storage, operator, logistics):
    was = f"¥{storage.amount} 每批次每天"
    logged_in(operator).post("/logistics/tariffs/storage/", {"amount": "2.50", "reason": "按合同调整"})

    page = logged_in(logistics).get("/logistics/tariffs/").content.decode()

    change = TariffChange.objects.get()
    assert f'data-testid="previous">{was}<' in page and 'data-testid="new">¥2.50 每批次每天<' in page
    assert 'data-testid="changed-by">operator<' in page
    assert f"{timezone.localtime(change.changed_at):%Y-%m-%d %H:%M}" in page
    assert "<title>费用标准" in page


def test_the_tariff_page_filters_its_history_by_kind(storage, operator, now):
    costs.update_tariff(reason="按合同调整", tariff=storage, amount=Decimal("2.40"), actor=operator, now=now)
    costs.update_tariff(reason="按合同调整", tariff=Tariff.objects.get(kind="handling"), amount=Decimal("0.80"), actor=operator, now=now)

    page = logged_in(operator).get("/logistics/tariffs/", {"kind": "handling"}).content.decode()

    history = page[page.index('data-testid="tariff-changes"'):]
    assert 'data-kind="handling"' in history and 'data-kind="storage"' not in history


def test_staff_reach_the_tariff_page_from_the_navigation_and_the_costs_page_and_suppliers_do_not(operator, finance, supplier_admin):
    for user in (operator, finance):
        costs_page = logged_in(user).get("/logistics/extra-costs/").content.decode()
        assert '<a href="/logistics/tariffs/" data-testid="tariff-history">' in costs_page
        assert costs_page.count('href="/logistics/tariffs/"') == 2  # the navigation's entry too

    supplier_client = logged_in(supplier_admin)
    assert 'href="/logistics/tariffs/"' not in supplier_client.get("/logistics/extra-costs/").content.decode()
    assert supplier_client.get("/logistics/tariffs/").status_code == 403


def test_the_api_lists_the_changes_of_one_kind_for_staff_and_refuses_suppliers(api, storage, operator, finance, supplier_admin, now):
    costs.update_tariff(reason="按合同调整", tariff=storage, amount=Decimal("2.40"), actor=operator, now=now)
    costs.update_tariff(reason="按合同调整", tariff=Tariff.objects.get(kind="handling"), amount=Decimal("0.80"), actor=operator, now=now)

    storage_changes = api(finance).get("/api/v1/tariff-changes/", {"kind": "storage"}).json()["results"]
    unknown_kind = api(finance).get("/api/v1/tariff-changes/", {"kind": "parking"})

    assert [(row["kind"], row["amount"], row["changed_by"]) for row in storage_changes] == [("storage", "2.40", "operator")]
    assert unknown_kind.status_code == 400 and unknown_kind.json()["errors"][0]["attr"] == "kind"
    assert api(supplier_admin).get("/api/v1/tariff-changes/").status_code == 403


def test_a_change_through_the_api_is_kept_too(api, storage, operator):
    response = api(operator).patch("/api/v1/tariffs/storage/", {"amount": "4.20", "reason": "按合同调整"}, format="json")

    assert response.status_code == 200
    assert TariffChange.objects.get().amount == Decimal("4.20")


def test_a_kind_of_cost_the_tariff_has_not_is_named_next_to_its_filter_and_no_change_is_listed(storage, operator, now):
    costs.update_tariff(reason="按合同调整", tariff=storage, amount=Decimal("2.40"), actor=operator, now=now)

    response = logged_in(operator).get("/logistics/tariffs/", {"kind": "bogus"})

    page = response.content.decode()
    history = page[page.index('data-testid="tariff-changes"'):]
    assert response.status_code == 400
    assert field_errors(response) == {"kind": "选择一个有效的选项。 bogus 不在可用的选项中。"}
    assert 'data-testid="filter-error">筛选条件有误，未列出结果：请更正标出的筛选项。<' in page
    assert 'data-kind="storage"' not in history and "没有符合筛选条件的记录" in history
    assert 'data-kind="storage"' in page[:page.index('data-testid="tariff-changes"')]  # the tariff itself still shows


# --- units: a code, shown in the reader's language ---------------------------------------------------------------

def test_the_seeded_tariffs_are_charged_in_the_unit_each_kind_counts():
    assert dict(Tariff.objects.values_list("kind", "unit")) == {
        "redelivery": "order", "return_freight": "order", "handling": "unit", "disposal": "lot", "storage": "lot_day"}


def test_the_unit_reads_in_the_readers_language_on_the_pages_and_in_the_tariffs_name(storage, operator, now):
    costs.update_tariff(reason="按合同调整", tariff=storage, amount=Decimal("2.50"), actor=operator, now=now)

    chinese = page_in(operator, "/logistics/tariffs/", "zh-hans")
    english = page_in(operator, "/logistics/tariffs/", "en")

    assert "每批次每天" in chinese and "per lot per day" in english and "每批次每天" not in english
    with translation.override("en"):
        assert str(Tariff.objects.get(kind="storage")) == "Storage fee ¥2.50 per lot per day"
        assert str(TariffChange.objects.get()).endswith("per lot per day → ¥2.50 per lot per day")


@pytest.mark.parametrize(("kind", "unit"), list(KIND_UNIT.items()))
def test_each_kind_is_charged_in_the_unit_its_costs_are_counted_in_whatever_unit_is_asked_for(operator, now, kind, unit):
    tariff = Tariff.objects.get(kind=kind)
    Tariff.objects.filter(kind=kind).update(unit="order" if unit != "order" else "lot")  # a unit out of step, as once allowed

    costs.update_tariff(reason="按合同调整", tariff=tariff, amount=Decimal("2.50"), actor=operator, now=now)

    assert Tariff.objects.get(kind=kind).unit == unit == TariffChange.objects.get().unit


def test_the_tariff_page_asks_only_the_price_and_shows_the_unit_of_the_kind(storage, operator):
    page = logged_in(operator).get("/logistics/tariffs/").content.decode()

    row = page[page.index('<tr data-kind="storage">'):].split("</tr>", 1)[0]
    form = row[row.index('action="/logistics/tariffs/storage/"'):].split("</form>", 1)[0]
    assert "<td>每批次每天</td>" in row
    assert 'name="amount"' in form and 'name="unit"' not in form and "<select" not in form


def test_a_unit_sent_with_the_costs_page_form_changes_nothing_but_the_price(storage, operator):
    response = logged_in(operator).post("/logistics/tariffs/storage/", {"amount": "2.50", "unit": "lot", "reason": "按合同调整"}, follow=True)

    assert "费用标准已更新：仓储费" in response.content.decode()
    stored = Tariff.objects.get(kind="storage")
    assert (stored.amount, stored.unit) == (Decimal("2.50"), "lot_day")


def test_the_api_takes_the_kinds_unit_answers_its_label_and_refuses_any_other(api, storage, operator):
    changed = api(operator).patch("/api/v1/tariffs/storage/", {"amount": "2.50", "unit": "lot_day", "reason": "按合同调整"}, format="json")
    other = api(operator).patch("/api/v1/tariffs/storage/", {"amount": "3.00", "unit": "lot", "reason": "按合同调整"}, format="json")
    typed = api(operator).patch("/api/v1/tariffs/storage/", {"amount": "3.00", "unit": "批次·天", "reason": "按合同调整"}, format="json")
    english = api(operator).get("/api/v1/tariff-changes/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]

    assert changed.status_code == 200
    assert changed.json() == {"kind": "storage", "amount": "2.50", "unit": "lot_day", "unit_label": "每批次每天"}
    assert other.status_code == 400 and other.json()["errors"][0]["attr"] == "unit"
    assert other.json()["errors"][0]["detail"] == "仓储费的计费单位固定为 lot_day（每批次每天），不能更改"
    assert typed.status_code == 400 and typed.json()["errors"][0]["attr"] == "unit"
    assert (Tariff.objects.get(kind="storage").amount, TariffChange.objects.count()) == (Decimal("2.50"), 1)
    assert [(row["previous_unit"], row["previous_unit_label"], row["unit"], row["unit_label"]) for row in english] == [
        ("lot_day", "per lot per day", "lot_day", "per lot per day")]


# --- bounds and the reason of a change -------------------------------------------------------------------------------

@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("0.00"), Decimal("10000.01"), Decimal("99999999")])
def test_a_price_that_is_free_or_beyond_the_ceiling_is_refused_naming_the_bounds_and_changes_nothing(storage, operator, now, amount):
    was = storage.amount

    with pytest.raises(ValidationFailed) as refused:
        costs.update_tariff(tariff=storage, amount=amount, actor=operator, now=now, reason="按合同调整")

    assert (refused.value.field, refused.value.detail) == ("amount", "单价须为 0.01–10,000.00 元、最多两位小数")
    assert Tariff.objects.get(kind="storage").amount == was and not TariffChange.objects.exists()


@pytest.mark.parametrize("amount", [costs.MIN_TARIFF, costs.MAX_TARIFF])
def test_a_price_at_either_bound_is_taken(storage, operator, now, amount):
    costs.update_tariff(tariff=storage, amount=amount, actor=operator, now=now, reason="按合同调整")

    assert Tariff.objects.get(kind="storage").amount == amount


@pytest.mark.parametrize("reason", ["", "   ", "因" * 201])
def test_a_change_without_a_reason_or_with_one_too_long_is_refused_and_changes_nothing(storage, operator, now, reason):
    was = storage.amount

    with pytest.raises(ValidationFailed) as refused:
        costs.update_tariff(tariff=storage, amount=Decimal("2.50"), actor=operator, now=now, reason=reason)

    assert refused.value.field == "reason"
    assert Tariff.objects.get(kind="storage").amount == was and not TariffChange.objects.exists()


def test_the_reason_of_a_change_shows_in_the_history_on_the_page_and_in_the_api(api, storage, operator, logistics):
    logged_in(operator).post("/logistics/tariffs/storage/", {"amount": "2.50", "reason": "  仓库租金上涨  "})

    page = logged_in(logistics).get("/logistics/tariffs/").content.decode()
    listed = api(logistics).get("/api/v1/tariff-changes/").json()["results"]

    assert TariffChange.objects.get().reason == "仓库租金上涨"
    assert 'data-testid="changed-by">operator<' in page and 'data-testid="reason">仓库租金上涨<' in page
    assert [(row["amount"], row["changed_by"], row["reason"]) for row in listed] == [("2.50", "operator", "仓库租金上涨")]


def test_the_tariff_page_shows_the_bounds_beside_the_price_asks_why_and_confirms_before_saving(storage, operator):
    page = logged_in(operator).get("/logistics/tariffs/").content.decode()

    form = page[page.index('action="/logistics/tariffs/storage/"'):].split("</form>", 1)[0]
    row = page[page.index('<tr data-kind="storage">'):].split("</tr>", 1)[0]
    assert 'name="reason"' in form and 'max="10000.00"' in form and 'min="0.01"' in form
    assert "单价须为 0.01–10,000.00 元、最多两位小数" in row
    assert "onclick=\"return confirm(" in form


def test_a_change_on_the_page_without_a_reason_comes_back_next_to_the_reason(storage, operator):
    response = logged_in(operator).post("/logistics/tariffs/storage/", {"amount": "2.50", "reason": ""})

    assert response.status_code == 400 and field_errors(response) == {"reason": "请填写修改原因"}
    assert Tariff.objects.get(kind="storage").amount == storage.amount and not TariffChange.objects.exists()


@pytest.mark.parametrize(("body", "attr"), [({"amount": "99999999", "reason": "按合同调整"}, "amount"),
                                            ({"amount": "0", "reason": "按合同调整"}, "amount"),
                                            ({"amount": "2.50"}, "reason")])
def test_the_api_change_is_held_to_the_same_bounds_and_reason(api, storage, operator, body, attr):
    response = api(operator).patch("/api/v1/tariffs/storage/", body, format="json")

    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == attr
    assert Tariff.objects.get(kind="storage").amount == storage.amount and not TariffChange.objects.exists()
