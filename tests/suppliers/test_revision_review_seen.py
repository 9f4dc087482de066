"""The operator's approve / reject of a gift's revision carries what the review page showed of it (`seen`): a revision
withdrawn or decided since the page was opened is refused naming who changed it, when and how, and nothing is applied;
the API takes the same optional `seen`."""
import pytest
from django.utils import timezone

from suppliers.models import Gift, GiftRevision
from suppliers.services import revisions
from tests.helpers import fresh_key, gift_in_state
from tests.portal import logged_in, seen_by

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("licensed_supplier")]
QUEUE = "/supplier/gift-review/?queue=revisions"


def asked(gift: Gift, by, name: str) -> GiftRevision:
    return revisions.edit_gift(gift=gift, actor=by, now=timezone.now(), changes={"name": name})


def said(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_a_revision_withdrawn_and_asked_again_since_the_page_was_opened_is_not_approved_from_it(operator, supplier_admin, supplier):
    gift = gift_in_state("online", supplier=supplier, at=timezone.now(), name="明前龙井")
    first = asked(gift, supplier_admin, "明前龙井（旧稿）")
    client, approve = logged_in(operator), f"/supplier/gift-review/revisions/{first.pk}/approve/"
    seen = seen_by(client.get(QUEUE).content.decode(), approve)
    revisions.withdraw_revision(revision=first, actor=supplier_admin, now=timezone.now())
    second = asked(gift, supplier_admin, "明前龙井（新稿）")

    stale = client.post(approve, {"reason": "", "seen": seen, "next": QUEUE}, follow=True)

    gift.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (gift.name, first.state, second.state) == ("明前龙井", "withdrawn", "pending")
    assert len(said(stale)) == 1
    assert said(stale)[0].startswith("礼品修改在您打开页面后已有变动（") and "撤回" in said(stale)[0]
    assert said(stale)[0].endswith("请查看后再操作")


def test_a_revision_rejected_by_a_colleague_since_the_page_was_opened_is_not_rejected_again_from_it(operator, supplier_admin, supplier):
    gift = gift_in_state("online", supplier=supplier, at=timezone.now())
    revision = asked(gift, supplier_admin, "改名")
    client, reject = logged_in(operator), f"/supplier/gift-review/revisions/{revision.pk}/reject/"
    seen = seen_by(client.get(QUEUE).content.decode(), reject.replace("reject", "approve"))
    revisions.reject_revision(revision=revision, actor=operator, now=timezone.now(), reason="图片不清晰")

    stale = client.post(reject, {"reason": "价格不符", "seen": seen, "next": QUEUE}, follow=True)

    revision.refresh_from_db()
    assert revision.state == "rejected" and revision.rejection.reason == "图片不清晰"
    assert len(said(stale)) == 1 and "驳回" in said(stale)[0] and "在您打开页面后已有变动" in said(stale)[0]


def test_a_revision_unchanged_since_the_page_was_opened_is_approved_from_it(operator, supplier_admin, supplier):
    gift = gift_in_state("online", supplier=supplier, at=timezone.now())
    revision = asked(gift, supplier_admin, "新名字")
    client, approve = logged_in(operator), f"/supplier/gift-review/revisions/{revision.pk}/approve/"

    done = client.post(approve, {"reason": "", "seen": seen_by(client.get(QUEUE).content.decode(), approve), "next": QUEUE})

    gift.refresh_from_db()
    assert done.status_code == 302 and gift.name == "新名字"


def test_an_api_approval_of_a_revision_withdrawn_since_it_was_read_is_409_naming_the_change(operator, supplier_admin, supplier, api):
    gift = gift_in_state("online", supplier=supplier, at=timezone.now(), name="明前龙井")
    revision = asked(gift, supplier_admin, "改名")
    seen = api(operator).get(f"/api/v1/gift-revisions/{revision.pk}/history/").json()[-1]["id"]
    revisions.withdraw_revision(revision=revision, actor=supplier_admin, now=timezone.now())

    stale = api(operator).post(f"/api/v1/gift-revisions/{revision.pk}/approve/", {"seen": seen}, format="json", **fresh_key())
    unseen = api(operator).post(f"/api/v1/gift-revisions/{revision.pk}/approve/", {}, format="json", **fresh_key())

    gift.refresh_from_db()
    assert stale.status_code == 409 and stale.json()["errors"][0]["code"] == "changed_since_seen"
    assert "撤回" in stale.json()["errors"][0]["detail"]
    assert unseen.status_code == 409 and unseen.json()["errors"][0]["code"] == "invalid_transition"
    assert gift.name == "明前龙井" and GiftRevision.objects.get().state == "withdrawn"
