"""A member reads a supplier's users who acted on its order or complaint as the supplier (礼品商), never by login
name, on its pages and in the API's histories; the platform's staff read the login name."""
import pytest

from core.models import User
from core.models.transitions import actor_label_for
from core.roles import SUPPLIER_ROLES
from points.services import complaints
from tests.portal import logged_in, rendered_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered_complaint(dropship_shipped, rich_member, operator, supplier_staff, now):
    """The member's complaint about its dropship order (shipped by the supplier's staff), answered by that staff."""
    complaint = complaints.open_complaint(actor=rich_member.user, now=now, order=dropship_shipped.order, title="外包装破损",
                                          description="纸箱压坏")
    complaints.triage_complaint(complaint=complaint, actor=operator, now=now, responsible="supplier")
    return complaints.respond_to_complaint(complaint=complaint, actor=supplier_staff, now=now, response="已补寄新包装")


def test_a_member_reads_a_suppliers_user_as_the_supplier_and_staff_and_the_supplier_read_the_name(
    supplier_staff, supplier_admin, rich_member, operator,
):
    assert actor_label_for(supplier_staff, rich_member.user) == "礼品商"
    assert actor_label_for(supplier_staff, operator) == actor_label_for(supplier_staff, supplier_admin) == supplier_staff.username


def test_the_member_reads_the_supplier_in_its_order_and_complaint_histories(api, answered_complaint, rich_member):
    client = api(rich_member.user)

    order = client.get(f"/api/v1/orders/{answered_complaint.order_id}/history/").json()
    complaint = client.get(f"/api/v1/complaints/{answered_complaint.pk}/history/").json()

    assert [row["actor"] for row in order if row["transition"] == "ship"] == ["礼品商"]
    assert [(row["actor"], row["actor_label"]) for row in complaint if row["transition"] == "respond"] == [("礼品商", "礼品商")]


def test_no_supplier_login_name_is_read_on_the_members_order_and_complaint_pages_or_in_its_api(answered_complaint, rich_member):
    client = logged_in(rich_member.user)
    order, complaint = answered_complaint.order_id, answered_complaint.pk
    urls = [f"/member/orders/{order}/", "/member/orders/", "/member/complaints/", f"/complaints/{complaint}/",
            f"/api/v1/orders/{order}/", f"/api/v1/orders/{order}/history/", "/api/v1/orders/",
            f"/api/v1/complaints/{complaint}/", f"/api/v1/complaints/{complaint}/history/", "/api/v1/complaints/"]

    texts = {url: rendered_text(client.get(url)) for url in urls}

    names = set(User.objects.filter(role__in=SUPPLIER_ROLES).values_list("username", flat=True))
    assert names and "礼品商" in texts[f"/complaints/{complaint}/"] and "礼品商" in texts[f"/member/orders/{order}/"]
    assert {url: [name for name in sorted(names) if name in text] for url, text in texts.items()} == dict.fromkeys(urls, [])


def test_the_operator_reads_the_suppliers_user_by_name_in_the_complaint_history(answered_complaint, operator, supplier_staff):
    page = logged_in(operator).get(f"/complaints/{answered_complaint.pk}/").content.decode()

    history = page.split('data-testid="history"', 1)[1]
    assert supplier_staff.username in history
