"""The gift page's 修改记录 says how each decided revision was decided: who approved, rejected or withdrew it (the
operator by role for a supplier's user, 系统 for the system), when, and why where a reason was given (the system's
withdrawal on retirement in the reader's language)."""
from datetime import timedelta

import pytest

from suppliers.services import catalog, revisions
from tests.factories import GiftFactory
from tests.helpers import gift_in_state, published
from tests.portal import page_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("licensed_supplier")]


def revision_rows(user, gift, language="zh-hans") -> str:
    page = page_in(user, f"/supplier/gifts/{gift.pk}/", language)
    return page.split('data-testid="revisions"', 1)[1].split("</tbody>", 1)[0]


def proposed(gift, actor, now, name="改名后的龙井"):
    return revisions.edit_gift(gift=gift, actor=actor, now=now, changes={"name": name})


def test_an_approved_revision_says_who_approved_it_when_and_the_remark(supplier, supplier_staff, operator, now):
    gift = published(GiftFactory(supplier=supplier), actor=operator, at=now)
    revisions.approve_revision(revision=proposed(gift, supplier_staff, now), actor=operator, now=now + timedelta(hours=1),
                               reason="图片已核对")

    rows = revision_rows(supplier_staff, gift)

    assert "审核意见：图片已核对" in rows and "运营人员 · 2026-10-15 11:00" in rows


def test_a_revision_the_supplier_withdrew_says_who_withdrew_it_when_and_why(supplier, supplier_staff, supplier_admin, operator, now):
    gift = published(GiftFactory(supplier=supplier), actor=operator, at=now)
    revisions.withdraw_revision(revision=proposed(gift, supplier_staff, now), actor=supplier_staff, now=now + timedelta(hours=2),
                                reason="价格填错")

    rows = revision_rows(supplier_admin, gift)

    assert "撤回原因：价格填错" in rows and f"{supplier_staff.username} · 2026-10-15 12:00" in rows


def test_a_revision_withdrawn_with_its_gifts_retirement_says_so_in_the_readers_language(supplier, supplier_staff, operator, now):
    gift = gift_in_state("offline", actor=operator, at=now, supplier=supplier)
    proposed(gift, supplier_staff, now)
    catalog.retire_gift(gift=gift, actor=operator, now=now + timedelta(hours=3), reason="停产")

    chinese, english = revision_rows(supplier_staff, gift), revision_rows(supplier_staff, gift, "en")

    assert "撤回原因：礼品已退市，待审核的修改随之撤回" in chinese and "运营人员 · 2026-10-15 13:00" in chinese
    assert "Reason for withdrawal: " in english and "礼品已退市" not in english


def test_a_pending_revision_says_nothing_decided_and_each_decision_stays_with_its_own_revision(supplier, supplier_staff, operator, now):
    gift = published(GiftFactory(supplier=supplier), actor=operator, at=now)
    revisions.reject_revision(revision=proposed(gift, supplier_staff, now, "第一次"), actor=operator, now=now, reason="图片不符")
    proposed(gift, supplier_staff, now + timedelta(hours=1), "第二次")

    pending, rejected = revision_rows(supplier_staff, gift).split("\n    <tr>")[1:]  # newest first

    assert "第二次" in pending and 'data-testid="decision"' not in pending and 'data-testid="rejection"' not in pending
    assert "第一次" in rejected and "驳回原因：图片不符" in rejected
