"""The catalog pages of the portal: suppliers keep their gifts and stock, operators review and list them."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import TransitionLog
from suppliers.models import Gift, GiftRevision, ReplenishmentRequest, StockRecord, Supplier
from suppliers.services import inventory, revisions
from tests.factories import CategoryFactory, GiftFactory, WarehouseFactory
from tests.helpers import gift_in_state, stocked_to_clear
from suppliers.services import catalog
from tests.portal import field_errors, form_values, listed, logged_in, seen_by

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("licensed_supplier")]  # its gifts go to review


def gift_form(**overrides) -> dict:
    data = {
        "sku": "TEA-NEW-01", "name": "新茶礼盒", "description": "春茶", "category": CategoryFactory().pk, "images": "gifts/a.jpg\r\ngifts/b.jpg",
        "specification": "100g × 3", "warranty_text": "七天无理由", "market_price": "199.00", "settlement_price": "120.00",
        "fulfilment": "warehouse", "min_tier": "standard", "discount_silver": "", "discount_gold": "5", "discount_diamond": "10",
        "points_gotone": "1200", "points_mzone": "",
    }
    return data | overrides


def in_state(state: str, **fields) -> Gift:
    """A gift taken through the catalog services to `state` now (the pages read the clock)."""
    return gift_in_state(state, at=timezone.now(), **fields)


def test_a_supplier_creates_a_draft_gift_with_its_prices_through_the_form(supplier_admin, supplier):
    response = logged_in(supplier_admin).post("/supplier/gifts/new/", gift_form())

    gift = Gift.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/supplier/gifts/{gift.pk}/"
    assert (gift.supplier, gift.state, gift.sku, gift.images) == (supplier, "draft", "TEA-NEW-01", ["gifts/a.jpg", "gifts/b.jpg"])
    assert (gift.market_price, gift.settlement_price, gift.tier_discounts) == (Decimal("199.00"), Decimal("120.00"), {"gold": 5, "diamond": 10})
    assert list(gift.prices.values_list("program__code", "points_price")) == [("gotone", 1200)]


def test_a_negative_price_is_shown_next_to_its_field_and_nothing_is_written(supplier_admin):
    response = logged_in(supplier_admin).post("/supplier/gifts/new/", gift_form(settlement_price="-1"))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-field="settlement_price"' in page and 'data-field="market_price"' not in page
    assert not Gift.objects.exists()


def test_a_gift_without_any_points_price_is_refused_next_to_the_price_fields(supplier_admin):
    response = logged_in(supplier_admin).post("/supplier/gifts/new/", gift_form(points_gotone=""))

    assert 'data-field="points_gotone"' in response.content.decode()
    assert not Gift.objects.exists()


def test_a_duplicate_sku_is_shown_next_to_the_sku_field(supplier_admin, supplier):
    GiftFactory(supplier=supplier, sku="TEA-NEW-01")

    response = logged_in(supplier_admin).post("/supplier/gifts/new/", gift_form())

    assert 'data-field="sku"' in response.content.decode()
    assert Gift.objects.count() == 1


def test_a_supplier_submits_a_complete_draft_from_its_page(supplier_staff, supplier):
    gift = GiftFactory(supplier=supplier)

    response = logged_in(supplier_staff).post(f"/supplier/gifts/{gift.pk}/actions/submit/", follow=True)

    gift.refresh_from_db()
    assert gift.state == "submitted"
    assert response.redirect_chain[-1][0] == f"/supplier/gifts/{gift.pk}/"
    assert TransitionLog.objects.get(object_id=gift.pk).actor == supplier_staff
    assert "submit" in response.content.decode()  # the history table on the page


def test_submitting_an_incomplete_draft_lists_what_is_missing_and_changes_nothing(supplier_staff, supplier):
    gift = GiftFactory(supplier=supplier, images=[], warranty_text="")

    response = logged_in(supplier_staff).post(f"/supplier/gifts/{gift.pk}/actions/submit/", follow=True)

    page = response.content.decode()
    gift.refresh_from_db()
    assert gift.state == "draft"
    assert "至少上传一张图片" in page and "请填写保修说明" in page


def test_another_suppliers_gift_is_not_found(other_supplier_admin, supplier):
    gift = GiftFactory(supplier=supplier)
    client = logged_in(other_supplier_admin)

    statuses = [
        client.get(f"/supplier/gifts/{gift.pk}/").status_code,
        client.get(f"/supplier/gifts/{gift.pk}/edit/").status_code,
        client.post(f"/supplier/gifts/{gift.pk}/actions/submit/").status_code,
    ]

    assert statuses == [404, 404, 404]
    assert gift.sku not in client.get("/supplier/gifts/").content.decode()


def test_a_supplier_may_not_take_an_operators_action(supplier_admin, supplier):
    gift = in_state("submitted", supplier=supplier)

    response = logged_in(supplier_admin).post(f"/supplier/gifts/{gift.pk}/actions/approve/")

    gift.refresh_from_db()
    assert response.status_code == 403 and gift.state == "submitted"


def test_the_supplier_sees_only_the_actions_its_gift_allows(supplier_admin, supplier):
    gift = in_state("online", supplier=supplier)

    page = logged_in(supplier_admin).get(f"/supplier/gifts/{gift.pk}/").content.decode()

    assert 'data-action="request_delisting"' in page
    assert 'data-action="submit"' not in page and 'data-action="publish"' not in page


def test_a_supplier_requests_delisting_of_its_online_gift(supplier_staff, supplier):
    gift = in_state("online", supplier=supplier)

    logged_in(supplier_staff).post(f"/supplier/gifts/{gift.pk}/actions/request_delisting/", {"reason": "停产"})

    gift.refresh_from_db()
    assert (gift.state, gift.delist_reason) == ("offline", "supplier_request")


def test_a_review_queue_search_with_a_nul_byte_is_an_error_next_to_the_search_and_lists_nothing(operator):
    in_state("submitted")

    response = logged_in(operator).get("/supplier/gift-review/?q=a%00b")

    assert response.status_code == 400
    assert 'data-testid="error-q"' in response.content.decode()
    assert list(response.context["page_obj"]) == []


def test_an_operator_approves_a_submitted_gift_from_the_review_queue(operator):
    gift = in_state("submitted")
    client = logged_in(operator)
    assert list(client.get("/supplier/gift-review/").context["page_obj"]) == [gift]

    page = client.get("/supplier/gift-review/").content.decode()
    assert f'action="/supplier/gift-review/gifts/{gift.pk}/approve/"' in page and f'formaction="/supplier/gift-review/gifts/{gift.pk}/reject/"' in page
    assert 'name="next" value="/supplier/gift-review/?queue=gifts"' in page  # back to this tab, whatever waits in the others

    response = client.post(f"/supplier/gift-review/gifts/{gift.pk}/approve/", {"reason": "资料齐全", "next": "/supplier/gift-review/?queue=gifts"}, follow=True)

    gift.refresh_from_db()
    assert gift.state == "approved"
    assert list(response.context["page_obj"]) == []


def _badge(page: str, url_name: str) -> int:
    """The count the navigation shows next to the entry of `url_name` (0 without one)."""
    found = re.search(rf'data-testid="nav-badge-{url_name}"[^>]*>(\d+)<', page)
    return int(found.group(1)) if found else 0


def test_the_review_pages_navigation_entry_opens_the_tab_holding_what_its_badge_counts(operator, supplier_admin, supplier):
    gift = in_state("online", supplier=supplier, warranty_text="一年保修")
    revisions.edit_gift(gift=gift, actor=supplier_admin, now=timezone.now(), changes={"warranty_text": "两年保修"})
    client = logged_in(operator)
    home = client.get("/").content.decode()
    entry = re.search(r'<a href="([^"]+)"[^>]*>礼品审核</a>', home).group(1)

    opened = client.get(entry)

    assert _badge(home, "operator-gift-review") == 1
    assert opened.context["queue"] == "revisions" and len(opened.context["page_obj"]) == 1
    assert "暂无待审核修改" not in opened.content.decode() and f'data-sku="{gift.sku}"' in opened.content.decode()
    assert list(client.get(entry + "?queue=gifts").context["page_obj"]) == []  # a tab asked for is the one shown


def test_the_review_page_opens_on_its_first_tab_when_nothing_waits(operator):
    response = logged_in(operator).get("/supplier/gift-review/")

    assert response.context["queue"] == "gifts" and "暂无待审核礼品" in response.content.decode()


def test_an_approved_gift_waits_in_the_review_pages_to_publish_tab_and_goes_online_from_it(operator):
    gift = in_state("submitted")
    scheduled = in_state("approved")
    scheduled.publish_at = timezone.now() + timedelta(days=1)
    scheduled.save(update_fields=["publish_at"])  # goes online by itself: waits on no one
    client = logged_in(operator)

    approved = client.post(f"/supplier/gift-review/gifts/{gift.pk}/approve/", {"reason": "", "next": "/supplier/gift-review/"}, follow=True)

    link = re.search(r'href="([^"]+)" data-testid="to-publish"', approved.content.decode()).group(1)
    assert link == f"/supplier/gift-review/?queue=approved&amp;q={gift.sku}"
    tab = client.get(link.replace("&amp;", "&"))
    assert list(tab.context["page_obj"]) == [gift]
    assert client.get("/supplier/gift-review/?queue=approved").context["counts"] == {"gifts": 0, "revisions": 0, "approved": 1}
    page = tab.content.decode()
    assert f'action="/supplier/gifts/{gift.pk}/actions/publish/"' in page and f'action="/supplier/gifts/{gift.pk}/actions/schedule/"' in page

    response = client.post(f"/supplier/gifts/{gift.pk}/actions/publish/", {"next": link.replace("&amp;", "&")}, follow=True)

    gift.refresh_from_db()
    assert gift.state == "online"
    assert list(response.context["page_obj"]) == []


def test_an_approved_gift_of_a_suspended_supplier_does_not_wait_to_go_online(operator, supplier):
    gift = in_state("approved", supplier=supplier)
    Supplier.objects.filter(pk=supplier.pk).update(state=Supplier.State.SUSPENDED)

    response = logged_in(operator).get("/supplier/gift-review/?queue=approved")

    assert response.context["counts"]["approved"] == 0 and gift not in response.context["page_obj"]


def _row(response, gift: Gift) -> str:
    """The HTML of the gift's row on the review page."""
    return response.content.decode().split(f'<tr data-sku="{gift.sku}">', 1)[1].split("</tr>", 1)[0]


def test_rejecting_a_gift_without_a_reason_comes_back_next_to_the_reason_on_the_review_page_and_changes_nothing(operator):
    gift, other = in_state("submitted"), in_state("submitted")
    client = logged_in(operator)

    response = client.post(f"/supplier/gift-review/gifts/{gift.pk}/reject/", {"reason": " ", "next": "/supplier/gift-review/"})
    later = client.get("/supplier/gift-review/")

    gift.refresh_from_db()
    assert gift.state == "submitted" and not TransitionLog.objects.filter(object_id=gift.pk, transition="reject").exists()
    assert response.status_code == 400 and field_errors(response) == {"reason": "请填写驳回原因"}
    row = _row(response, gift)
    assert 'id="id_reject_reason_error"' in row and 'aria-describedby="id_reject_reason_error"' in row and "autofocus" in row
    assert 'value=" "' in row and "请填写驳回原因" not in _row(response, other)  # the other gift's form stays blank
    assert 'name="next" value="/supplier/gift-review/"' in row
    assert later.status_code == 200 and field_errors(later) == {} and "aria-invalid" not in later.content.decode()


def test_a_reason_too_long_for_a_gift_comes_back_on_the_review_page_with_the_text_typed(operator):
    gift = in_state("submitted")
    typed = "长" * 2001

    response = logged_in(operator).post(f"/supplier/gift-review/gifts/{gift.pk}/approve/", {"reason": typed, "next": "/supplier/gift-review/"})

    gift.refresh_from_db()
    assert gift.state == "submitted"
    assert response.status_code == 400 and list(field_errors(response)) == ["reason"] and "2000" in field_errors(response)["reason"]
    row = _row(response, gift)
    assert f'value="{typed}"' in row and 'aria-describedby="id_approve_reason_error"' in row and "autofocus" in row


def test_approving_a_gift_of_a_suspended_supplier_is_refused_next_to_its_form_with_the_reason_kept(operator, supplier):
    gift = in_state("submitted", supplier=supplier)
    Supplier.objects.filter(pk=supplier.pk).update(state=Supplier.State.SUSPENDED)

    response = logged_in(operator).post(f"/supplier/gift-review/gifts/{gift.pk}/approve/", {"reason": "资料齐全"})

    gift.refresh_from_db()
    assert gift.state == "submitted" and response.status_code == 409
    row = _row(response, gift)
    assert 'data-field="__all__"' in row and "恢复合作前" in row and 'value="资料齐全"' in row


def test_a_gift_decided_meanwhile_is_a_conflict_said_at_the_top_of_the_review_page(operator):
    gift = in_state("approved")

    response = logged_in(operator).post(f"/supplier/gift-review/gifts/{gift.pk}/reject/", {"reason": "图片不清晰"})

    gift.refresh_from_db()
    assert gift.state == "approved" and response.status_code == 409
    assert [m.level_tag for m in response.context["messages"]] == ["error"] and list(response.context["page_obj"]) == []


def test_a_gift_rejected_reworked_and_submitted_again_since_the_review_page_was_opened_is_not_approved_from_it(
    operator, supplier_admin,
):
    gift = in_state("submitted")
    client, approve = logged_in(operator), f"/supplier/gift-review/gifts/{gift.pk}/approve/"
    seen = seen_by(client.get("/supplier/gift-review/").content.decode(), approve)
    now = timezone.now()
    catalog.reject_gift(gift=gift, actor=operator, now=now, reason="图片不清晰")
    catalog.rework_gift(gift=gift, actor=supplier_admin, now=now)
    catalog.submit_gift(gift=gift, actor=supplier_admin, now=now)

    stale = client.post(approve, {"reason": "", "seen": seen, "next": "/supplier/gift-review/"})
    gift.refresh_from_db()
    said = [str(m) for m in stale.context["messages"]]
    assert stale.status_code == 409 and gift.state == "submitted"
    assert len(said) == 1 and said[0].startswith("礼品在您打开页面后已有变动（") and "提交" in said[0] and said[0].endswith("请查看后再操作")

    fresh = client.post(approve, {"reason": "", "seen": seen_by(stale.content.decode(), approve), "next": "/supplier/gift-review/"})
    gift.refresh_from_db()
    assert fresh.status_code == 302 and gift.state == "approved"


def test_the_review_page_shown_again_after_a_refusal_keeps_its_search_and_leads_to_its_own_address(operator):
    gift = in_state("submitted")
    in_state("submitted")  # not found by the search
    client = logged_in(operator)
    url = f"/supplier/gift-review/gifts/{gift.pk}/reject/?queue=gifts&q={gift.sku}"

    response = client.post(url, {"reason": "", "next": f"/supplier/gift-review/?queue=gifts&q={gift.sku}"})
    done = client.post(url, {"reason": "图片不清晰", "next": f"/supplier/gift-review/?queue=gifts&q={gift.sku}"})

    page = response.content.decode()
    assert response.status_code == 400 and list(response.context["page_obj"]) == [gift]
    assert '<form method="get" action="/supplier/gift-review/" class="filters">' in page
    assert f'href="/supplier/gift-review/?queue=revisions&q={gift.sku}"' in page
    assert f'action="/supplier/gift-review/gifts/{gift.pk}/approve/?queue=gifts&amp;q={gift.sku}"' in page
    assert done.status_code == 302 and done["Location"] == f"/supplier/gift-review/?queue=gifts&q={gift.sku}"
    assert Gift.objects.get(pk=gift.pk).state == "rejected"


def test_only_a_gifts_approval_or_rejection_is_decided_on_the_review_page(operator, supplier_admin, supplier):
    gift = in_state("submitted", supplier=supplier)

    publish = logged_in(operator).post(f"/supplier/gift-review/gifts/{gift.pk}/publish/")
    by_supplier = logged_in(supplier_admin).post(f"/supplier/gift-review/gifts/{gift.pk}/approve/")

    gift.refresh_from_db()
    assert (publish.status_code, by_supplier.status_code, gift.state) == (404, 403, "submitted")


def test_an_operator_rejects_a_gift_with_a_reason(operator):
    gift = in_state("submitted")

    logged_in(operator).post(f"/supplier/gift-review/gifts/{gift.pk}/reject/", {"reason": "图片不清晰"})

    gift.refresh_from_db()
    assert gift.state == "rejected"
    assert TransitionLog.objects.get(object_id=gift.pk, transition="reject").reason == "图片不清晰"


def test_an_operator_publishes_an_approved_gift_from_the_gift_list(operator):
    gift = in_state("approved")
    client = logged_in(operator)
    assert 'data-action="publish"' in client.get("/supplier/gift-admin/?state=approved").content.decode()

    response = client.post(f"/supplier/gifts/{gift.pk}/actions/publish/", {"next": "/supplier/gift-admin/?state=approved"})

    gift.refresh_from_db()
    assert gift.state == "online"
    assert response["Location"] == "/supplier/gift-admin/?state=approved"


def test_an_operator_schedules_an_approved_gift(operator):
    gift = in_state("approved")
    at = (timezone.localtime() + timedelta(days=2)).replace(second=0, microsecond=0)

    done = logged_in(operator).post(f"/supplier/gifts/{gift.pk}/actions/schedule/", {"publish_at": at.strftime("%Y-%m-%dT%H:%M")},
                                    follow=True)

    gift.refresh_from_db()
    assert (gift.state, gift.publish_at) == ("approved", at)
    # the message says when it goes online, not only the state it stays in
    assert [str(m) for m in done.context["messages"]] == [f"{gift} 将于 {at:%Y-%m-%d %H:%M} 自动上线"]


def test_an_operator_delists_with_a_reason_code_then_starts_clearance(operator):
    gift = stocked_to_clear(in_state("online"))
    client = logged_in(operator)

    client.post(f"/supplier/gifts/{gift.pk}/actions/delist/", {"reason_code": "low_sales", "reason": "滞销"})
    client.post(f"/supplier/gifts/{gift.pk}/actions/start_clearance/", {"points_price": "800", "settlement_price": "90.00"})

    gift.refresh_from_db()
    assert (gift.state, gift.delist_reason, gift.clearance_points_price, gift.clearance_settlement_price) == (
        "clearance", "low_sales", 800, Decimal("90.00"),
    )


def test_clearance_with_a_bad_price_shows_an_error_and_changes_nothing(operator):
    gift = in_state("online")
    client = logged_in(operator)
    client.post(f"/supplier/gifts/{gift.pk}/actions/delist/", {"reason_code": "low_sales", "reason": "滞销"})

    response = client.post(f"/supplier/gifts/{gift.pk}/actions/start_clearance/", {"points_price": "0", "settlement_price": "90"}, follow=True)

    gift.refresh_from_db()
    assert gift.state == "offline" and gift.clearance_points_price is None
    assert "清仓积分价" in response.content.decode()


def test_editing_a_draft_changes_it_in_place(supplier_admin, supplier):
    gift = GiftFactory(supplier=supplier)
    client = logged_in(supplier_admin)
    form = client.get(f"/supplier/gifts/{gift.pk}/edit/").context["form"]

    client.post(f"/supplier/gifts/{gift.pk}/edit/", _bound(form, name="新包装", points_mzone=""))

    gift.refresh_from_db()
    assert gift.name == "新包装" and not GiftRevision.objects.exists()
    assert list(gift.prices.values_list("program__code", "points_price")) == [("gotone", 1500)]


def test_a_stale_edit_form_of_a_draft_saves_only_what_it_changed_and_keeps_a_rename_made_meanwhile(supplier_admin, supplier_staff, supplier):
    gift = GiftFactory(supplier=supplier, name="草稿礼品", warranty_text="质量问题15天包换", tier_discounts={"gold": 5})
    url = f"/supplier/gifts/{gift.pk}/edit/"
    admin, staff = logged_in(supplier_admin), logged_in(supplier_staff)
    tab_a, tab_b = (form_values(client.get(url), "gift-form") for client in (admin, staff))

    admin.post(url, tab_a | {"name": "草稿礼品-新名称", "discount_silver": "3"})
    saved = staff.post(url, tab_b | {"warranty_text": "两年保修", "discount_diamond": "8"})

    gift.refresh_from_db()
    assert saved.status_code == 302 and "initial-name" in tab_b
    assert (gift.name, gift.warranty_text) == ("草稿礼品-新名称", "两年保修")
    assert gift.tier_discounts == {"silver": 3, "gold": 5, "diamond": 8}  # one discount each, the others kept


def test_a_field_changed_in_two_tabs_comes_back_409_with_the_value_now_and_only_the_users_change_saves(supplier_admin, supplier_staff, supplier):
    gift = GiftFactory(supplier=supplier, name="草稿礼品", warranty_text="质量问题15天包换")
    url = f"/supplier/gifts/{gift.pk}/edit/"
    admin, staff = logged_in(supplier_admin), logged_in(supplier_staff)
    tab_a, tab_b = (form_values(client.get(url), "gift-form") for client in (admin, staff))
    admin.post(url, tab_a | {"name": "新名称甲"})

    clash = staff.post(url, tab_b | {"name": "新名称乙", "warranty_text": "两年保修"})
    again = form_values(clash, "gift-form")
    staff.post(url, again)

    gift.refresh_from_db()
    assert clash.status_code == 409
    assert field_errors(clash) == {"name": "其间已有他人修改此项，现显示的是最新内容；您填写的“新名称乙”未保存，请核对后重新填写"}
    assert (again["name"], again["initial-name"], again["warranty_text"]) == ("新名称甲", "新名称甲", "两年保修")
    assert (gift.name, gift.warranty_text) == ("新名称甲", "两年保修")


def test_a_stale_edit_form_of_an_online_gift_proposes_only_the_users_change(supplier_admin, supplier_staff, supplier, operator):
    from suppliers.services import revisions

    gift = in_state("online", supplier=supplier, name="明前龙井", specification="标准装")
    url = f"/supplier/gifts/{gift.pk}/edit/"
    admin, staff = logged_in(supplier_admin), logged_in(supplier_staff)
    tab_a, tab_b = (form_values(client.get(url), "gift-form") for client in (admin, staff))
    admin.post(url, tab_a | {"specification": "净含量 250g ×2"})
    revisions.approve_revision(revision=GiftRevision.objects.get(), actor=operator, now=timezone.now())

    staff.post(url, tab_b | {"name": "明前龙井（新包装）"})

    assert GiftRevision.objects.get(state="pending").changes == {"name": "明前龙井（新包装）"}


@pytest.mark.parametrize("state", ["approved", "offline"])
def test_a_change_to_a_gift_not_on_sale_says_it_takes_effect_once_approved_not_that_a_version_keeps_selling(supplier_admin, supplier, state):
    gift = in_state(state, supplier=supplier, name="明前龙井")
    client = logged_in(supplier_admin)
    form_page = client.get(f"/supplier/gifts/{gift.pk}/edit/")

    response = client.post(f"/supplier/gifts/{gift.pk}/edit/", _bound(form_page.context["form"], name="明前龙井（新包装）"), follow=True)

    assert GiftRevision.objects.get().changes == {"name": "明前龙井（新包装）"}
    notice = form_page.content.decode().split('data-testid="revision-notice">', 1)[1].split("</p>", 1)[0]
    assert notice == "修改将提交运营审核，审核通过后生效。"
    assert [str(m) for m in response.context["messages"]] == ["修改已提交审核，审核通过后生效。"]
    assert "照常销售" not in response.content.decode()


def test_the_edit_form_of_an_online_gift_says_the_listed_version_keeps_selling_until_the_change_is_approved(supplier_admin, supplier):
    gift = in_state("online", supplier=supplier)

    page = logged_in(supplier_admin).get(f"/supplier/gifts/{gift.pk}/edit/").content.decode()

    assert 'data-testid="revision-notice">该礼品在售：修改将提交运营审核，审核通过前线上版本照常销售。</p>' in page


def test_editing_an_online_gift_creates_a_revision_and_the_listed_name_stays_until_approval(supplier_admin, supplier, operator):
    gift = in_state("online", supplier=supplier, name="明前龙井")
    client = logged_in(supplier_admin)
    form = client.get(f"/supplier/gifts/{gift.pk}/edit/").context["form"]

    response = client.post(f"/supplier/gifts/{gift.pk}/edit/", _bound(form, name="明前龙井（新包装）"), follow=True)

    revision = GiftRevision.objects.get()
    gift.refresh_from_db()
    assert revision.changes == {"name": "明前龙井（新包装）"}
    assert (gift.name, gift.state) == ("明前龙井", "online")
    assert "线上版本照常销售" in response.content.decode()

    review = logged_in(operator)
    queue = review.get("/supplier/gift-review/?queue=revisions").content.decode()
    assert "明前龙井（新包装）" in queue and "明前龙井" in queue
    review.post(f"/supplier/gift-review/revisions/{revision.pk}/approve/")

    gift.refresh_from_db()
    revision.refresh_from_db()
    assert (gift.name, gift.state, revision.state) == ("明前龙井（新包装）", "online", "approved")


def test_switching_a_stocked_gift_to_dropship_is_an_error_next_to_the_field(supplier_admin, supplier):
    gift = in_state("online", supplier=supplier)
    inventory.receive_stock(gift=gift, location=WarehouseFactory(), quantity=3, at=timezone.now())
    client = logged_in(supplier_admin)
    form = client.get(f"/supplier/gifts/{gift.pk}/edit/").context["form"]

    response = client.post(f"/supplier/gifts/{gift.pk}/edit/", _bound(form, fulfilment="dropship"))

    assert response.status_code == 200 and "该礼品仍有库存 3 件" in str(response.context["form"].errors["fulfilment"])
    assert not GiftRevision.objects.exists()


def test_rejecting_a_revision_without_a_reason_comes_back_next_to_the_reason_and_changes_nothing(supplier_admin, supplier, operator):
    gift = in_state("online", supplier=supplier)
    revision = GiftRevision.objects.create(gift=gift, changes={"name": "改名"}, requested_by=supplier_admin, requested_at=timezone.now())
    client = logged_in(operator)

    response = client.post(f"/supplier/gift-review/revisions/{revision.pk}/reject/", {"reason": ""}, follow=True)
    later = client.get("/supplier/gift-review/?queue=revisions")

    html = response.content.decode()
    revision.refresh_from_db()
    assert revision.state == "pending"
    assert field_errors(response) == {"reason": "请填写驳回原因"}
    assert 'id="id_reject_reason_error"' in html and 'aria-describedby="id_reject_reason_error"' in html
    assert field_errors(later) == {} and "aria-invalid" not in later.content.decode()


def test_a_reason_too_long_for_a_revision_comes_back_with_the_text_typed(supplier_admin, supplier, operator):
    gift = in_state("online", supplier=supplier)
    revision = GiftRevision.objects.create(gift=gift, changes={"name": "改名"}, requested_by=supplier_admin, requested_at=timezone.now())

    response = logged_in(operator).post(f"/supplier/gift-review/revisions/{revision.pk}/approve/",
                                        {"reason": "长" * 2001, "next": "/supplier/gift-review/?queue=revisions"}, follow=True)

    html = response.content.decode()
    revision.refresh_from_db()
    assert revision.state == "pending" and list(field_errors(response)) == ["reason"] and "2000" in field_errors(response)["reason"]
    assert 'value="' + "长" * 2001 + '"' in html and 'aria-describedby="id_approve_reason_error"' in html


def test_an_edit_that_changes_nothing_creates_no_revision(supplier_admin, supplier):
    gift = in_state("online", supplier=supplier)
    client = logged_in(supplier_admin)
    form = client.get(f"/supplier/gifts/{gift.pk}/edit/").context["form"]

    client.post(f"/supplier/gifts/{gift.pk}/edit/", _bound(form))

    assert not GiftRevision.objects.exists()


def test_the_stock_page_lists_records_and_an_open_replenishment_request(supplier_admin, supplier, other_supplier):
    gift = in_state("online", supplier=supplier)
    warehouse = WarehouseFactory()
    inventory.receive_stock(gift=gift, location=warehouse, quantity=3, at=timezone.now())
    inventory.set_safety_stock(gift=gift, location=warehouse, safety_stock=5, at=timezone.now() - timedelta(days=10))
    foreign = GiftFactory(supplier=other_supplier)
    inventory.receive_stock(gift=foreign, location=warehouse, quantity=9, at=timezone.now())

    response = logged_in(supplier_admin).get("/supplier/stock/")

    page = response.content.decode()
    assert [(r.gift, r.on_hand, r.available) for r in response.context["page_obj"]] == [(gift, 3, 3)]
    assert list(response.context["requests"]) == [ReplenishmentRequest.objects.get(gift=gift)]
    assert 'data-testid="low-stock"' in page and 'data-testid="overdue"' in page
    assert foreign.sku not in page


def test_the_stock_page_lists_the_records_below_their_safety_stock_or_the_others(logistics, supplier):
    warehouse = WarehouseFactory()
    short, enough = GiftFactory(supplier=supplier), GiftFactory(supplier=supplier)
    for gift, quantity in ((short, 3), (enough, 9)):
        inventory.receive_stock(gift=gift, location=warehouse, quantity=quantity, at=timezone.now())
        inventory.set_safety_stock(gift=gift, location=warehouse, safety_stock=5, at=timezone.now())
    records = {gift: StockRecord.objects.get(gift=gift).pk for gift in (short, enough)}

    low = listed(logistics, "/supplier/stock/", low="1")
    not_low = listed(logistics, "/supplier/stock/", low="false")

    assert (low, not_low) == ([records[short]], [records[enough]])


def _bound(form, **overrides) -> dict:
    """The POST data of an edit form as the page shows it, with some fields changed."""
    data = {name: "" if value is None else getattr(value, "pk", value) for name, value in form.initial.items()}
    return data | overrides


def _more_gifts(supplier, n: int) -> None:
    for _ in range(n):
        in_state("submitted", supplier=supplier)


def _more_revisions(supplier, n: int) -> None:
    """Approved gifts, each with a change waiting for review."""
    for _ in range(n):
        gift = in_state("approved", supplier=supplier)
        GiftRevision.objects.create(gift=gift, changes={"name": "改"}, requested_at=timezone.now())


def _more_approved(supplier, n: int) -> None:
    for _ in range(n):
        in_state("approved", supplier=supplier)


def _more_stock(supplier, n: int) -> None:
    warehouse = WarehouseFactory(code="WH-Q")
    for _ in range(n):
        gift = GiftFactory(supplier=supplier)
        inventory.receive_stock(gift=gift, location=warehouse, quantity=1, at=timezone.now())
        inventory.set_safety_stock(gift=gift, location=warehouse, safety_stock=5, at=timezone.now())


@pytest.mark.parametrize(
    ("who", "url", "make"),
    [
        ("supplier_admin", "/supplier/gifts/", _more_gifts),
        ("supplier_admin", "/supplier/stock/", _more_stock),
        ("supplier_admin", "/supplier/stock/movements/", _more_stock),
        ("operator", "/supplier/gift-admin/", _more_gifts),
        ("operator", "/supplier/gift-review/", _more_gifts),
        ("operator", "/supplier/gift-review/?queue=revisions", _more_revisions),
        ("operator", "/supplier/gift-review/?queue=approved", _more_approved),
    ],
)
def test_list_pages_run_the_same_number_of_queries_for_1_and_20_gifts(request, supplier, who, url, make):
    client = logged_in(request.getfixturevalue(who))

    make(supplier, 1)
    ContentType.objects.clear_cache()  # each round from the same start, whatever tests ran before in this process
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    make(supplier, 19)
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(url)

    assert len(response.context["page_obj"]) == 20
    assert len(one.captured_queries) == len(twenty.captured_queries), "\n".join(q["sql"] for q in twenty.captured_queries)


def test_the_review_badge_counts_the_three_queues_of_the_review_page_in_one_query(operator, supplier, django_assert_num_queries):
    from suppliers.services.catalog import reviews_waiting

    in_state("submitted", supplier=supplier)
    GiftFactory(supplier=supplier)  # a draft: nothing to review yet
    online, listed_again = in_state("online", supplier=supplier), in_state("online", supplier=supplier)
    GiftRevision.objects.create(gift=online, changes={"name": "改名"}, requested_at=timezone.now())
    decided = GiftRevision.objects.create(gift=listed_again, changes={"name": "旧名"}, requested_at=timezone.now())
    GiftRevision.objects.filter(pk=decided.pk).update(state=GiftRevision.State.REJECTED)
    in_state("approved", supplier=supplier)
    scheduled = in_state("approved", supplier=supplier)
    Gift.objects.filter(pk=scheduled.pk).update(publish_at=timezone.now() + timedelta(days=1))  # goes online by itself
    held = in_state("approved")
    Supplier.objects.filter(pk=held.supplier_id).update(state=Supplier.State.SUSPENDED)  # waits for its reactivation
    tabs = logged_in(operator).get("/supplier/gift-review/").context["counts"]

    with django_assert_num_queries(1):
        waiting = reviews_waiting(operator)

    assert tabs == {"gifts": 1, "revisions": 1, "approved": 1}
    assert waiting == sum(tabs.values())


def test_the_stock_page_filters_by_location_and_the_full_list_of_movements_opens_filtered_alike(logistics, supplier):
    east, south = WarehouseFactory(code="WH-E", name="华东仓"), WarehouseFactory(code="WH-S", name="华南仓")
    in_east, in_south = GiftFactory(supplier=supplier, sku="EAST-1"), GiftFactory(supplier=supplier, sku="SOUTH-1")
    inventory.receive_stock(gift=in_east, location=east, quantity=3, at=timezone.now())
    inventory.receive_stock(gift=in_south, location=south, quantity=4, at=timezone.now())

    response = logged_in(logistics).get("/supplier/stock/", {"location": east.pk, "q": "1"})

    page = response.content.decode()
    assert [(r.gift, r.location) for r in response.context["page_obj"]] == [(in_east, east)]
    assert [m.gift for m in response.context["movements"]] == [in_east]
    assert f'href="/supplier/stock/movements/?q=1&amp;location={east.pk}"' in page
    assert "SOUTH-1" not in page


def test_a_supplier_is_offered_the_warehouses_and_its_own_location_only(supplier_admin, supplier, other_supplier):
    from suppliers.models import Location

    warehouse = WarehouseFactory(code="WH-E", name="华东仓")
    own = Location.objects.create(code="DS-OWN", name="自有仓", kind="dropship", supplier=supplier)
    theirs = Location.objects.create(code="DS-THEIRS", name="他家仓", kind="dropship", supplier=other_supplier)

    offered = list(logged_in(supplier_admin).get("/supplier/stock/").context["filters"].fields["location"].queryset)

    assert warehouse in offered and own in offered and theirs not in offered


@pytest.mark.parametrize("reason", ["", "长" * 2001], ids=["no reason", "too long"])
def test_a_gift_decided_meanwhile_is_a_conflict_on_the_review_page_whatever_reason_was_typed(operator, reason):
    gift = in_state("approved")

    response = logged_in(operator).post(f"/supplier/gift-review/gifts/{gift.pk}/reject/", {"reason": reason})

    said = [str(message) for message in response.context["messages"]]
    assert response.status_code == 409 and len(said) == 1 and gift.get_state_display() in said[0]
    assert Gift.objects.get(pk=gift.pk).state == "approved"
