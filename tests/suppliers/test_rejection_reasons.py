"""A supplier learns why the operator rejected a gift revision, a profile change or a contract: on the page listing it
(the reason as typed, who — the operator by role — and when), in its inbox (a notice linking to that page) and in the
API (`rejection_reason`)."""
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from suppliers.models import Notice
from suppliers.services import contracts, profile, revisions
from tests.factories import ContractFactory, GiftFactory
from tests.helpers import published
from tests.portal import logged_in, page_in
from tests.suppliers.profile_factories import ProfileChangeFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("licensed_supplier")]


def rejected_revision(supplier, supplier_staff, operator, now, *, reason="图片与实物不符"):
    gift = published(GiftFactory(supplier=supplier), actor=operator, at=now)
    revision = revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"name": "改名后的龙井"})
    return revisions.reject_revision(revision=revision, actor=operator, now=now + timedelta(hours=2), reason=reason)


def rejected_change(supplier, operator, now, *, reason="营业执照名称与申请不一致"):
    change = ProfileChangeFactory(supplier=supplier)
    return profile.reject_profile_change(change=change, actor=operator, now=now + timedelta(hours=3), reason=reason)


def rejected_contract(supplier, operator, now, *, reason="保证金金额与约定不符"):
    contract = ContractFactory(supplier=supplier)
    return contracts.reject_contract(contract=contract, actor=operator, now=now + timedelta(hours=4), reason=reason)


def table(page: str, testid: str) -> str:
    return page.split(f'data-testid="{testid}"', 1)[1].split("</tbody>", 1)[0]


# --- pages ----------------------------------------------------------------------------------------------------------
def test_the_gift_page_shows_a_rejected_revisions_reason_who_rejected_it_and_when(supplier, supplier_staff, operator, now):
    revision = rejected_revision(supplier, supplier_staff, operator, now)

    page = page_in(supplier_staff, f"/supplier/gifts/{revision.gift_id}/", "zh-hans")

    rows = table(page, "revisions")
    assert "驳回原因：图片与实物不符" in rows and "运营人员 · 2026-10-15 12:00" in rows


def test_a_reason_a_person_typed_reads_as_typed_on_an_english_page(supplier, supplier_staff, operator, now):
    revision = rejected_revision(supplier, supplier_staff, operator, now)

    page = page_in(supplier_staff, f"/supplier/gifts/{revision.gift_id}/", "en")

    assert "Rejection reason: 图片与实物不符" in table(page, "revisions")


def test_the_profile_page_shows_a_rejected_changes_reason_who_rejected_it_and_when(supplier, supplier_admin, operator, now):
    rejected_change(supplier, operator, now)

    page = page_in(supplier_admin, "/supplier/profile/", "zh-hans")

    history = table(page, "change-history")
    assert "驳回原因：营业执照名称与申请不一致" in history and "运营人员 · 2026-10-15 13:00" in history


def test_the_paperwork_page_shows_a_rejected_contracts_reason_who_rejected_it_and_when(supplier, supplier_staff, operator, now):
    rejected_contract(supplier, operator, now)
    contracts.approve_contract(contract=ContractFactory(supplier=supplier), actor=operator, now=now, reason="同意")

    page = page_in(supplier_staff, "/supplier/paperwork/", "zh-hans")

    listed = table(page, "contracts")
    assert "驳回原因：保证金金额与约定不符" in listed and "运营人员 · 2026-10-15 14:00" in listed
    assert listed.count('data-testid="rejection"') == 1 and "同意" not in listed  # only the rejected one says why


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_the_pages_read_the_rejections_in_a_constant_number_of_queries(supplier, supplier_admin, operator, now):
    client = logged_in(supplier_admin)
    gift = published(GiftFactory(supplier=supplier), actor=operator, at=now)

    def reject_more(first: int, last: int) -> None:
        for i in range(first, last + 1):
            revision = revisions.edit_gift(gift=gift, actor=supplier_admin, now=now, changes={"name": f"改名{i}"})
            revisions.reject_revision(revision=revision, actor=operator, now=now, reason=f"原因{i}")
            rejected_change(supplier, operator, now, reason=f"原因{i}")
            rejected_contract(supplier, operator, now, reason=f"原因{i}")

    def pages_queries() -> list[int]:
        ContentType.objects.clear_cache()  # each round from the same start, whatever tests ran before in this process
        return [_queries(client, url) for url in (f"/supplier/gifts/{gift.pk}/", "/supplier/profile/", "/supplier/paperwork/")]

    reject_more(1, 1)
    one = pages_queries()
    reject_more(2, 6)
    six = pages_queries()

    assert one == six
    assert "驳回原因：原因6" in page_in(supplier_admin, "/supplier/paperwork/", "zh-hans")


# --- inbox ----------------------------------------------------------------------------------------------------------
def test_rejecting_a_revision_tells_the_supplier_why_in_a_notice_linking_to_the_gift(supplier, supplier_staff, operator, now):
    gift = rejected_revision(supplier, supplier_staff, operator, now).gift

    notice = Notice.objects.get(kind="revision_rejected")

    assert (notice.supplier, notice.kind, notice.title_text, notice.body_text, notice.link) == (
        supplier, "revision_rejected", f"礼品 {gift.sku} 的修改未通过审核", f"{gift.name}：图片与实物不符", f"/supplier/gifts/{gift.pk}/"
    )


def test_rejecting_a_profile_change_tells_the_supplier_why_in_a_notice_linking_to_its_profile(supplier, operator, now):
    rejected_change(supplier, operator, now)

    notice = Notice.objects.get()

    assert (notice.supplier, notice.kind, notice.title_text, notice.body_text, notice.link) == (
        supplier, "profile_change_rejected", "资料变更未通过审核：企业名称", "驳回原因：营业执照名称与申请不一致", "/supplier/profile/"
    )


def test_rejecting_a_contract_tells_the_supplier_why_in_a_notice_linking_to_its_paperwork(supplier, operator, now):
    contract = rejected_contract(supplier, operator, now)

    notice = Notice.objects.get()

    assert (notice.supplier, notice.kind, notice.title_text, notice.body_text, notice.link) == (
        supplier, "contract_rejected", f"合同 {contract.number} 未通过审核", "驳回原因：保证金金额与约定不符", "/supplier/paperwork/"
    )


def test_the_notice_of_a_rejected_profile_change_reads_in_the_readers_language_with_the_reason_as_typed(
    supplier, supplier_admin, operator, now
):
    rejected_change(supplier, operator, now)

    inbox = page_in(supplier_admin, "/supplier/notices/", "en")

    assert "Profile change not approved: Company name" in inbox and "Rejection reason: 营业执照名称与申请不一致" in inbox


# --- API ------------------------------------------------------------------------------------------------------------
def test_the_api_gives_each_rejected_requests_reason_and_null_for_others(api, supplier, supplier_admin, operator, now):
    revision = rejected_revision(supplier, supplier_admin, operator, now)
    change = rejected_change(supplier, operator, now)
    contract = rejected_contract(supplier, operator, now)
    pending = ContractFactory(supplier=supplier)
    client = api(supplier_admin)

    shown = {
        "revision": client.get(f"/api/v1/gift-revisions/{revision.pk}/").json(),
        "change": client.get(f"/api/v1/profile-changes/{change.pk}/").json(),
        "contract": client.get(f"/api/v1/contracts/{contract.pk}/").json(),
        "pending": client.get(f"/api/v1/contracts/{pending.pk}/").json(),
    }

    reasons = {name: (data["rejection_reason"], data["rejection_reason_label"]) for name, data in shown.items()}
    assert reasons == {
        "revision": ("图片与实物不符", "图片与实物不符"), "change": ("营业执照名称与申请不一致", "营业执照名称与申请不一致"),
        "contract": ("保证金金额与约定不符", "保证金金额与约定不符"), "pending": (None, None),
    }


def test_the_reject_action_answers_with_the_reason(api, supplier, operator):
    contract = ContractFactory(supplier=supplier)

    answered = api(operator).post(f"/api/v1/contracts/{contract.pk}/reject/", {"reason": "缺少盖章页"}).json()

    assert (answered["state"], answered["rejection_reason"]) == ("rejected", "缺少盖章页")


@pytest.mark.parametrize("url", ["/api/v1/gift-revisions/", "/api/v1/profile-changes/", "/api/v1/contracts/"])
def test_the_api_lists_read_the_rejections_in_a_constant_number_of_queries(api, supplier, supplier_admin, operator, now, url):
    client = api(supplier_admin)
    gift = published(GiftFactory(supplier=supplier), actor=operator, at=now)
    for i in range(6):
        revision = revisions.edit_gift(gift=gift, actor=supplier_admin, now=now, changes={"name": f"改名{i}"})
        revisions.reject_revision(revision=revision, actor=operator, now=now, reason=f"原因{i}")
        rejected_change(supplier, operator, now, reason=f"原因{i}")
        rejected_contract(supplier, operator, now, reason=f"原因{i}")

    with CaptureQueriesContext(connection) as one:
        first = client.get(f"{url}?page_size=1").json()["results"]
    with CaptureQueriesContext(connection) as six:
        listed = client.get(f"{url}?page_size=6").json()["results"]

    assert len(listed) == 6 and {row["rejection_reason"] for row in listed} == {f"原因{i}" for i in range(6)}
    assert first[0]["rejection_reason"] == "原因5"
    assert len(one.captured_queries) == len(six.captured_queries), "\n".join(q["sql"] for q in six.captured_queries)
