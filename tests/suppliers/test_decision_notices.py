"""Every decision an operator takes on a supplier's application, gifts, gift changes, contract or profile reaches the
supplier (SPEC §4.12): a notice in its portal inbox linking to the page of what was decided, and an SMS to its contact.
What the supplier does itself (submitting a gift, asking for a change, asking to delist) tells it nothing."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from core.models import Notification
from suppliers.models import Gift, Notice
from suppliers.services import catalog, contracts, onboarding, profile, revisions
from tests.factories import ApplicantFactory, ContractFactory, GiftFactory, supplier_in
from tests.helpers import gift_in_state, only_notice, published, stocked_to_clear
from tests.suppliers.profile_factories import ProfileChangeFactory

pytestmark = pytest.mark.django_db



# --- the cooperation ------------------------------------------------------------------------------------------------
def test_an_approved_application_is_told_its_admin_may_sign_in_and_submit_gifts(operator, now):
    supplier = supplier_in("active", actor=operator, now=now)

    notice = only_notice(supplier, "supplier_approved")
    assert (notice.title_text, notice.link) == ("入驻申请已通过审核", "/supplier/gifts/")
    assert "管理员账号已启用" in notice.body_text and "运营审核决定" in notice.body_text


def test_a_rejected_applicant_is_texted_and_told_why(operator, now):
    supplier = ApplicantFactory()
    onboarding.start_supplier_review(supplier=supplier, actor=operator, now=now)
    onboarding.reject_supplier(supplier=supplier, actor=operator, now=now, reason="营业执照模糊")

    notice = only_notice(supplier, "application_rejected")
    assert (notice.title_text, notice.body_text) == ("入驻申请未通过审核", "驳回原因：营业执照模糊")
    assert not Notice.objects.filter(supplier=supplier).exclude(pk=notice.pk).exists()  # taking it into review tells nothing


def test_a_suspension_says_why_and_that_its_gifts_went_offline(operator, now):
    supplier = supplier_in("active", actor=operator, now=now)
    onboarding.suspend_supplier(supplier=supplier, actor=operator, now=now, reason="连续两月发货超时")

    notice = only_notice(supplier, "supplier_suspended")
    assert notice.title_text == "合作已暂停"
    assert notice.body_text.startswith("原因：连续两月发货超时\n在售和清仓中的礼品已全部下线") and notice.link == "/supplier/gifts/"


def test_reactivation_says_the_gifts_may_be_relisted(operator, now):
    supplier = supplier_in("suspended", actor=operator, now=now)
    onboarding.reactivate_supplier(supplier=supplier, actor=operator, now=now)

    notice = only_notice(supplier, "supplier_reactivated")
    assert (notice.title_text, notice.body_text) == ("合作已恢复", "下线的礼品可申请重新上线，经审核后上架。")


def test_a_termination_says_why_and_that_every_gift_is_retired(operator, now):
    supplier = supplier_in("active", actor=operator, now=now)
    gift_in_state("online", actor=operator, at=now, supplier=supplier)
    onboarding.terminate_supplier(supplier=supplier, actor=operator, now=now, reason="合同到期不再续签")

    notice = only_notice(supplier, "supplier_terminated")
    assert notice.body_text.startswith("原因：合同到期不再续签\n全部礼品已退市")
    assert not Notice.objects.filter(supplier=supplier, kind="gift_retired").exists()  # one notice, not one per gift


# --- gifts ----------------------------------------------------------------------------------------------------------
@pytest.fixture
def listed(licensed_supplier, operator, now):
    return gift_in_state("online", actor=operator, at=now, supplier=licensed_supplier)


def test_approving_and_listing_a_gift_each_tell_the_supplier_linking_to_the_gift(listed, licensed_supplier):
    approved, online = only_notice(licensed_supplier, "gift_approved"), only_notice(licensed_supplier, "gift_published")

    assert approved.title_text == f"礼品 {listed.sku} 已通过审核" and online.title_text == f"礼品 {listed.sku} 已上线"
    assert approved.body_text == f"{listed.name} 已通过审核，等待上线。"
    assert approved.link == online.link == f"/supplier/gifts/{listed.pk}/"


def test_a_gift_listed_at_once_is_not_told_it_was_listed_as_scheduled(listed, licensed_supplier):
    """Listed now or at its scheduled time, the inbox names the notice the same: the gift went online."""
    online = only_notice(licensed_supplier, "gift_published")

    assert online.kind_label == "礼品上线"
    with translation.override("en"):
        assert online.kind_label == "Gift listed"


def test_the_operators_note_on_an_approval_is_in_the_notice(licensed_supplier, supplier_staff, operator, now):
    gift = gift_in_state("submitted", actor=supplier_staff, at=now, supplier=licensed_supplier)
    catalog.approve_gift(gift=gift, actor=operator, now=now, reason="下周一上线")

    assert only_notice(licensed_supplier, "gift_approved").body_text == f"{gift.name} 已通过审核，等待上线。说明：下周一上线"


def test_an_operator_delisting_a_gift_tells_the_supplier_why(listed, licensed_supplier, operator, now):
    catalog.delist_gift(gift=listed, actor=operator, now=now, reason_code=Gift.DelistReason.LOW_SALES, reason="近90天无兑换")

    notice = only_notice(licensed_supplier, "gift_delisted")
    assert notice.title_text == f"礼品 {listed.sku} 已下线"
    assert notice.body_text == f"{listed.name} 下线原因：销量低。说明：近90天无兑换"
    assert notice.link == f"/supplier/gifts/{listed.pk}/"


def test_clearance_and_retirement_tell_the_supplier(licensed_supplier, operator, now):
    gift = gift_in_state("offline", actor=operator, at=now, supplier=licensed_supplier)
    stocked_to_clear(gift, at=now)
    catalog.start_clearance(gift=gift, actor=operator, now=now, points_price=500, settlement_price=Decimal("50.00"))
    catalog.retire_gift(gift=gift, actor=operator, now=now + timedelta(days=1), reason="清仓结束")

    clearance, retired = only_notice(licensed_supplier, "gift_clearance"), only_notice(licensed_supplier, "gift_retired")
    assert clearance.body_text == f"{gift.name} 以清仓价销售：500 积分，结算价 ¥50.00。"
    assert (retired.title_text, retired.body_text) == (f"礼品 {gift.sku} 已退市", f"{gift.name} 已退市，不再销售。说明：清仓结束")


def test_what_the_supplier_does_to_its_own_gifts_tells_it_nothing(licensed_supplier, supplier_staff, operator, now):
    gift = GiftFactory(supplier=licensed_supplier)
    catalog.submit_gift(gift=gift, actor=supplier_staff, now=now)
    listed = published(GiftFactory(supplier=licensed_supplier), actor=operator, at=now)
    told = Notice.objects.count()

    catalog.delist_gift(gift=listed, actor=supplier_staff, now=now, reason_code=Gift.DelistReason.SUPPLIER_REQUEST)
    catalog.request_relisting(gift=listed, actor=supplier_staff, now=now)
    revisions.edit_gift(gift=published(GiftFactory(supplier=licensed_supplier), actor=operator, at=now), actor=supplier_staff, now=now,
                        changes={"name": "新名字"})

    assert Notice.objects.count() == told + 2  # only the operator's approval and listing of the third gift
    assert not Notice.objects.filter(kind="gift_delisted").exists()


# --- gift changes, contracts, profile ---------------------------------------------------------------------------------
def test_an_approved_gift_change_tells_the_supplier_it_is_in_effect(listed, licensed_supplier, supplier_staff, operator, now):
    revision = revisions.edit_gift(gift=listed, actor=supplier_staff, now=now, changes={"name": "改名后的龙井"})
    revisions.approve_revision(revision=revision, actor=operator, now=now + timedelta(hours=1))

    notice = only_notice(licensed_supplier, "revision_approved")
    assert (notice.title_text, notice.body_text) == (f"礼品 {listed.sku} 的修改已通过审核", "改名后的龙井：修改已生效。")
    assert notice.link == f"/supplier/gifts/{listed.pk}/"


def test_an_approved_contract_tells_the_supplier_its_term(supplier, operator, now):
    contract = ContractFactory(supplier=supplier)
    contracts.approve_contract(contract=contract, actor=operator, now=now, reason="原件已归档")

    notice = only_notice(supplier, "contract_approved")
    assert notice.title_text == f"合同 {contract.number} 已通过审核"
    assert (notice.body_text, notice.link) == ("合同期 2026-01-01 至 2027-12-31。说明：原件已归档", "/supplier/paperwork/")


def test_an_approved_profile_change_tells_the_supplier_it_is_in_effect(supplier, operator, now):
    change = ProfileChangeFactory(supplier=supplier)
    profile.approve_profile_change(change=change, actor=operator, now=now)

    notice = only_notice(supplier, "profile_change_approved")
    assert (notice.title_text, notice.body_text, notice.link) == ("资料变更已通过审核：企业名称", "变更已生效。", "/supplier/profile/")


def test_a_change_applied_without_review_tells_the_supplier_nothing(supplier, supplier_admin, now):
    profile.request_profile_change(supplier=supplier, actor=supplier_admin, now=now, field="contact", contact_name="李经理",
                                   contact_phone="13900001111")

    assert not Notice.objects.filter(kind__startswith="profile_change").exists()


def test_a_decision_notice_reads_in_english_with_the_note_as_typed(supplier, operator, now):
    contract = ContractFactory(supplier=supplier)
    contracts.approve_contract(contract=contract, actor=operator, now=now, reason="原件已归档")
    notice = Notice.objects.get(kind="contract_approved")

    with translation.override("en"):
        assert (notice.title_label, notice.body_label) == (f"Contract {contract.number} approved",
                                                           "Term 2026-01-01 to 2027-12-31. Note: 原件已归档")


def test_gifts_listed_at_their_scheduled_time_are_told_in_the_inbox_only(operator, now):
    supplier = supplier_in("active", actor=operator, now=now)  # the scheduled listing takes only a cooperating supplier's gifts
    gift = gift_in_state("approved", actor=operator, at=now, supplier=supplier)
    revisions.schedule_publication(gift=gift, actor=operator, now=now, publish_at=now + timedelta(hours=2))

    revisions.publish_scheduled_gifts(now=now + timedelta(hours=2))

    notice = Notice.objects.get(supplier=supplier, kind="gift_published")
    assert (notice.title_text, notice.body_text) == (f"礼品 {gift.sku} 已上线", f"{gift.name} 已按计划时间上架。")
    assert notice.link == f"/supplier/gifts/{gift.pk}/"
    assert not Notification.objects.filter(subject_id=str(notice.pk), subject_type="suppliers.notice").exists()  # a batch: inbox only
