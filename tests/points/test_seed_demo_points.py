"""`manage.py seed_demo` posts every member's points in time order, so its history reads consistently, and its
complaints about an order come after the order left."""
import pytest
from django.urls import reverse
from django.utils import timezone

from points.models import Complaint, LedgerEntry, Member

# with --dist loadgroup one worker runs the module: the demo is seeded once (seeded_demo), not once per worker
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("seed_demo_points")]


def test_each_members_ledger_read_in_time_order_adds_up_to_its_balance(seeded_demo):
    for member in Member.objects.select_related("account"):
        balance = 0
        for entry in LedgerEntry.objects.filter(account__member=member).order_by("at", "id"):
            assert entry.balance_after == balance + entry.points, (member.phone, entry.at, entry.points)
            balance = entry.balance_after
        assert balance == member.account.balance
    # the history still shows last year's and this year's credits, each in the lot of its year
    account = Member.objects.get(phone="13800138001").account
    earned = LedgerEntry.objects.filter(account=account, kind="earn")
    assert earned.count() == 2
    assert {lot.year for lot in account.lots.all()} == {timezone.localtime(entry.at).year for entry in earned}


def test_the_members_points_page_reads_newest_first_each_balance_following_from_the_one_below(seeded_demo, client):
    client.login(username="13800138001", password="demo12345")

    entries = list(client.get(reverse("member-points")).context["page_obj"])

    assert len(entries) > 5
    for newer, older in zip(entries, entries[1:]):
        assert newer.at >= older.at
        assert newer.balance_after == older.balance_after + newer.points


def test_every_members_complaint_comes_after_what_it_is_about(seeded_demo):
    """A member complains about an order of its own once it left, about goods only once they were delivered."""
    about_orders = Complaint.objects.filter(order__isnull=False).select_related("order")

    assert about_orders.count() == 6
    for complaint in about_orders:
        assert complaint.order.member == complaint.member
        assert complaint.order.shipped_at < complaint.opened_at
    for title in ("快递员未送货上门", "快递外箱挤压破损", "茶叶受潮结块", "礼盒外包装破损", "龙井礼盒茶叶有异味"):
        complaint = Complaint.objects.get(title=title)
        assert complaint.order.delivered_at < complaint.opened_at, title
    by_members = Complaint.objects.filter(member__isnull=False, gift__isnull=False, order__isnull=True)
    assert about_orders.filter(member__isnull=False).count() == 6 and not by_members.exists()  # members name the order
    for complaint in by_members:  # a gift named without an order: one the member had delivered before
        assert complaint.member.orders.filter(gift=complaint.gift, delivered_at__lt=complaint.opened_at).exists(), complaint.title


def test_logistics_staff_find_the_complaint_the_operator_chased_them_about_on_their_queue_and_home_page(seeded_demo, client):
    """An escalated complaint triaged to the logistics provider, chased twice: marked at the top of its queue, listed
    on its home page."""
    chased = Complaint.objects.get(title="快递外箱挤压破损")
    client.login(username="logistics", password="demo12345")

    queue = client.get(reverse("complaint-desk"))
    home = client.get("/").content.decode()

    assert (chased.state, chased.responsible, chased.reminders.count()) == ("escalated", "logistics", 2)
    assert chased.reminders.earliest("sent_at").sent_at > chased.deadline  # chased after its deadline passed
    assert list(queue.context["page_obj"])[0] == chased
    assert "已催办 ×2" in queue.content.decode()
    assert 'data-testid="home-chased"' in home and f'data-number="{chased.number}"' in home
