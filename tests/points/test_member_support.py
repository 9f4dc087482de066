"""Operators' member support: find a member, read its balance, expiries, history and orders, correct its points."""

import re

import pytest
from django.utils import translation

from core.errors import PermissionDenied, ValidationFailed
from points.errors import InsufficientPoints
from points.models import LedgerEntry
from points.services import credits, ledger
from tests.factories import UserFactory
from tests.portal import logged_in, page_in

pytestmark = pytest.mark.django_db


def correct(member, actor, now, points=100, reference="ref-1", **fields):
    return credits.correct_points(member=member, points=points, reason_code=fields.pop("reason_code", "goodwill"),
                                  note=fields.pop("note", "配送延误补偿"), reference=reference, actor=actor, now=now, **fields)


def test_a_correction_credits_or_deducts_with_its_reason_and_note_once_per_reference(rich_member, operator, now):
    credit = correct(rich_member, operator, now, points=300)
    again = correct(rich_member, operator, now, points=300)
    deduction = correct(rich_member, operator, now, points=-200, reference="ref-2", reason_code="correction", note="重复发放冲回")

    assert credit.pk == again.pk and (credit.kind, credit.points, credit.note, credit.actor) == ("adjust", 300, "配送延误补偿", operator)
    assert (deduction.points, deduction.reason_code, deduction.balance_after) == (-200, "correction", 50_100)
    assert ledger.account_of(rich_member).balance == 50_100 == sum(LedgerEntry.objects.values_list("points", flat=True))


@pytest.mark.parametrize(("fields", "field"), [
    ({"points": 0}, "points"), ({"points": 10_000_000}, "points"), ({"reason_code": "whim"}, "reason_code"),
    ({"note": "  "}, "note"), ({"note": "说" * 201}, "note"), ({"reference": ""}, "reference"),
])
def test_a_bad_correction_names_its_field_and_writes_nothing(rich_member, operator, now, fields, field):
    with pytest.raises(ValidationFailed) as refused:
        correct(rich_member, operator, now, **fields)

    assert refused.value.field == field and not LedgerEntry.objects.filter(kind="adjust").exists()


def test_only_operators_correct_and_a_deduction_never_overdraws(rich_member, operator, finance, now):
    with pytest.raises(PermissionDenied):
        correct(rich_member, finance, now)
    with pytest.raises(InsufficientPoints):
        correct(rich_member, operator, now, points=-50_001)

    assert ledger.account_of(rich_member).balance == 50_000


def test_a_superuser_of_another_role_corrects_points_as_the_member_page_and_api_let_it(rich_member, now):
    root = UserFactory(username="root_finance", role="finance", is_superuser=True)

    entry = correct(rich_member, root, now, points=30)

    assert (entry.points, entry.actor) == (30, root)
    assert ledger.account_of(rich_member).balance == 50_030


def test_the_correction_button_says_adjust_in_english_while_a_ledger_entry_reads_adjusted(rich_member, operator):
    english = page_in(operator, f"/member/member-admin/{rich_member.pk}/", "en")

    assert 'data-action="correct">Adjust</button>' in english
    with translation.override("en"):
        assert LedgerEntry.Kind.ADJUST.label == "Adjusted"


def test_the_correction_asks_first_naming_the_member_and_repeating_the_points_entered(rich_member, operator):
    pages = {language: page_in(operator, f"/member/member-admin/{rich_member.pk}/", language) for language in ("zh-hans", "en")}

    buttons = {language: re.search(r'<button[^>]*data-action="correct"[^>]*>', page).group(0) for language, page in pages.items()}

    assert f'data-confirm="确定为 {rich_member.name} 调整 {{points}} 积分？调整即记入该会员的积分明细，不能撤销。"' in buttons["zh-hans"]
    assert f"data-confirm=\"Adjust {rich_member.name}'s points by {{points}}?" in buttons["en"]
    for button in buttons.values():  # asked in the browser with the points entered, signed, in place of {points}
        assert "return confirm(this.dataset.confirm.replace('{points}'" in button and "this.form.elements.points.value" in button


def test_operators_find_a_member_by_phone_or_name_and_correct_its_points_in_the_portal(rich_member, other_member, operator, now):
    client = logged_in(operator)

    by_phone = client.get(f"/member/member-admin/?q={rich_member.phone}").content.decode()
    page = client.get(f"/member/member-admin/{rich_member.pk}/").content.decode()
    reference = page.split('name="reference" value="', 1)[1].split('"', 1)[0]
    posted = {"points": "-300", "reason_code": "correction", "note": "重复发放冲回", "reference": reference}
    done = client.post(f"/member/member-admin/{rich_member.pk}/", posted, follow=True)
    twice = client.post(f"/member/member-admin/{rich_member.pk}/", posted)
    bad = client.post(f"/member/member-admin/{rich_member.pk}/", posted | {"points": "-999999", "reference": "other"}).content.decode()
    changed = client.post(f"/member/member-admin/{rich_member.pk}/", posted | {"points": "20"}).content.decode()  # back, edited, sent
    after = client.get(f"/member/member-admin/{rich_member.pk}/").content.decode()

    # the rows (the headings' sorting links keep the phone the operator searched by, as the address and the box do)
    table = by_phone.split('data-testid="members"', 1)[1].split("<tbody>", 1)[1].split("</table>", 1)[0]
    assert f'data-member="{rich_member.pk}"' in table and f'data-member="{other_member.pk}"' not in table
    assert rich_member.phone not in table and f"{rich_member.phone[:3]}****{rich_member.phone[-4:]}" in table
    assert 'data-testid="balance">50,000<' in page and 'data-testid="correction-form"' in page
    assert done.redirect_chain == [(f"/member/member-admin/{rich_member.pk}/", 302)] and twice.status_code == 302
    assert "已调整 -300 积分，调整后余额 49,700" in done.content.decode() and ledger.account_of(rich_member).balance == 49_700
    assert 'data-field="points"' in bad
    assert "已于" in changed and "（-300 积分），本次未再调整" in changed and ledger.account_of(rich_member).balance == 49_700
    assert 'data-testid="balance">49,700<' in after and "重复发放冲回" in after and "差错更正" in after
    ledger_rows = after.split('data-testid="ledger"', 1)[1].split("</table>", 1)[0]
    assert '<td data-testid="entry-actor">operator</td>' in ledger_rows  # who posted the correction
    source = LedgerEntry.objects.get(source_type="correction").source_id
    assert len(source) > 24 and f'title="{source}">{source[:21]}...<' in ledger_rows  # a long source, shortened, whole on hover


def test_a_member_reads_its_ledger_without_the_staff_who_posted_it(rich_member, operator, now):
    credits.correct_points(member=rich_member, points=5, reason_code="correction", note="补发", reference="R-1", actor=operator, now=now)

    page = logged_in(rich_member.user).get("/member/points/").content.decode()

    assert "补发" in page and 'data-testid="entry-actor"' not in page and "经办人" not in page


@pytest.fixture
def earned_and_corrected(rich_member, operator, now) -> tuple[LedgerEntry, LedgerEntry]:
    """The member's 50 000 earned on 2026-01-05 and 5 points an operator corrects `now`."""
    earned = LedgerEntry.objects.get()
    corrected = credits.correct_points(member=rich_member, points=5, reason_code="correction", note="补发", reference="R-1",
                                       actor=operator, now=now)
    return earned, corrected


def test_a_member_narrows_its_ledger_by_kind_and_by_the_days_posted_as_the_api_lists_the_kind(api, rich_member, earned_and_corrected):
    earned, corrected = earned_and_corrected
    client = logged_in(rich_member.user)

    def ledger_of(**query) -> list[int]:
        response = client.get("/member/points/", query)
        assert response.status_code == 200
        return [entry.pk for entry in response.context["page_obj"]]

    assert ledger_of(kind="adjust") == [corrected.pk] == [row["id"] for row in api(rich_member.user).get("/api/v1/points/entries/?kind=adjust").json()["results"]]
    assert ledger_of(date_from="2026-01-01", date_to="2026-01-31") == [earned.pk]
    assert ledger_of(kind="expire") == [] and "没有符合筛选条件的记录" in client.get("/member/points/", {"kind": "expire"}).content.decode()
    assert client.get("/member/points/", {"kind": "nope"}).status_code == 400


def test_the_ledger_api_filters_by_the_time_entries_were_posted_as_the_page_does_by_day(api, rich_member, earned_and_corrected, now):
    earned, corrected = earned_and_corrected
    client = api(rich_member.user)

    def entries(**query) -> list[int]:
        response = client.get("/api/v1/points/entries/", query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    january = entries(posted_after="2026-01-01T00:00:00+08:00", posted_before="2026-02-01T00:00:00+08:00")
    assert january == [earned.pk] == [entry.pk for entry in logged_in(rich_member.user).get(
        "/member/points/", {"date_from": "2026-01-01", "date_to": "2026-01-31"}).context["page_obj"]]
    assert entries(posted_after=now.isoformat()) == [corrected.pk]
    assert entries(posted_before=now.isoformat()) == [earned.pk]
    assert client.get("/api/v1/points/entries/", {"posted_after": "yesterday"}).json()["errors"][0]["attr"] == "posted_after"


def test_the_member_pages_are_for_operators_only(rich_member, finance, supplier_admin):
    for user in (finance, supplier_admin, rich_member.user):
        client = logged_in(user)
        assert client.get("/member/member-admin/").status_code == 403
        assert client.get(f"/member/member-admin/{rich_member.pk}/").status_code == 403


def test_the_api_lists_reads_and_corrects_a_member_and_filters_its_orders(api, rich_member, other_member, operator, listed_gift, now):
    from points.services import orders
    from tests.factories import ADDRESS

    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)
    client = api(operator)

    found = client.get("/api/v1/members/", {"q": rich_member.phone[-4:]}).json()
    detail = client.get(f"/api/v1/members/{rich_member.pk}/").json()
    url = f"/api/v1/members/{rich_member.pk}/correct-points/"
    body = {"points": 500, "reason_code": "goodwill", "note": "补偿"}
    corrected = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    replayed = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    no_key = client.post(url, body, format="json")
    their_orders = client.get("/api/v1/orders/", {"member": rich_member.pk}).json()["results"]
    none_of_theirs = client.get("/api/v1/orders/", {"member": other_member.pk}).json()["results"]

    assert [m["id"] for m in found["results"]] == [rich_member.pk] and "****" in found["results"][0]["phone"]
    assert detail["summary"]["balance"] == 50_000 - order.points_cost and detail["summary"]["upcoming_expiries"]
    assert corrected.status_code == 201 and corrected.json()["note"] == "补偿" and replayed.json() == corrected.json()
    assert no_key.status_code == 400 and ledger.account_of(rich_member).balance == 50_500 - order.points_cost
    assert [o["id"] for o in their_orders] == [order.pk] and none_of_theirs == []
    assert client.get("/api/v1/orders/", {"member": "1e30"}).status_code == 400


def test_a_key_sent_again_to_another_member_is_refused_not_answered_with_the_first_members_correction(api, rich_member, other_member, operator):
    client = api(operator)
    body = {"points": 100, "reason_code": "goodwill", "note": "补偿"}
    before = ledger.account_of(other_member).balance

    first = client.post(f"/api/v1/members/{rich_member.pk}/correct-points/", body, format="json", HTTP_IDEMPOTENCY_KEY="cp1")
    other = client.post(f"/api/v1/members/{other_member.pk}/correct-points/", body, format="json", HTTP_IDEMPOTENCY_KEY="cp1")
    fresh = client.post(f"/api/v1/members/{other_member.pk}/correct-points/", body, format="json", HTTP_IDEMPOTENCY_KEY="cp2")
    padded = client.post(f"/api/v1/members/0{other_member.pk}/correct-points/", body, format="json", HTTP_IDEMPOTENCY_KEY="cp2")

    assert first.status_code == 201 and other.status_code == 422 and other.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert "Idempotent-Replayed" not in other and fresh.status_code == 201 and fresh.json()["id"] != first.json()["id"]
    assert padded.status_code == 201 and padded["Idempotent-Replayed"] == "true" and padded.json() == fresh.json()
    assert ledger.account_of(other_member).balance == before + 100


def test_bad_input_to_member_support_names_its_field_and_writes_nothing(api, rich_member, operator):
    url = f"/api/v1/members/{rich_member.pk}/correct-points/"
    client = api(operator)

    not_a_number = client.post(url, {"points": "abc", "reason_code": "goodwill", "note": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    unknown_reason = client.post(url, {"points": 5, "reason_code": "whim", "note": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k2")
    huge_member_id = logged_in(operator).get("/member/order-admin/?member=99999999999999999999")

    assert [(e["attr"], not_a_number.status_code) for e in not_a_number.json()["errors"]] == [("points", 400)]
    assert unknown_reason.status_code == 400 and unknown_reason.json()["errors"][0]["attr"] == "reason_code"
    assert huge_member_id.status_code == 400 and not LedgerEntry.objects.filter(kind="adjust").exists()
