"""No dead ends: every link a role's home page and the pages of its navigation show leads somewhere that role may go
(200, or a redirect), never to a refusal, a missing page or an error. A notice written for a supplier, read by the
operator under 礼品商通知, links only where the operator may go. In a module of its own: the world (the access
matrix's) lives as long as its module."""
import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from core.portal import navigation
from points.services import ledger, orders
from suppliers.services import inventory
from tests.conftest import FIXED_NOW
from tests.factories import GiftFactory, MemberFactory, NoticeFactory, SupplierFactory, SupplierUserFactory, UserFactory, WarehouseFactory
from tests.helpers import published
from tests.portal import LINK, page_shape

ROLES = ["member", "supplier_admin", "supplier_staff", "operator", "superuser", "logistics", "finance"]
#: signing in and out and the language switch are no pages to land on
NOT_FOLLOWED = re.compile(r"^/(accounts|i18n|static)/")
pytestmark = pytest.mark.xdist_group("no_dead_links")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """A supplier with its admin and staff, a listed gift in stock, a member who redeemed it, staff of every role, and
    notices written for the supplier linking to its own pages and to one the operator opens too: users by role, built
    once for the module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        operator = UserFactory(username="operator", role="operator")
        supplier = SupplierFactory()
        gift = published(GiftFactory(supplier=supplier), actor=operator, at=FIXED_NOW)
        inventory.receive_stock(gift=gift, location=WarehouseFactory(), quantity=5, at=FIXED_NOW)
        member = MemberFactory(user=UserFactory(username="member", role="member"))
        ledger.earn_points(member=member, points=10_000, source=ledger.Source("batch", "LINKS"), at=FIXED_NOW)
        orders.place_order(member=member, gift_id=gift.pk, quantity=1, now=FIXED_NOW,
                           recipient_name="刘洋", recipient_phone="13800138000", address="杭州市文三路100号")
        for url_name in ("supplier-paperwork", "supplier-profile", "supplier-gifts", "supplier-dropship", "supplier-stock"):
            NoticeFactory(supplier=supplier, link=reverse(url_name))
        NoticeFactory(supplier=supplier, link=reverse("gift-detail", args=[gift.pk]))
        yield {
            "member": member.user, "operator": operator, "superuser": UserFactory(username="root", role="operator", is_superuser=True),
            "supplier_admin": SupplierUserFactory(username="supplier_admin", role="supplier_admin", supplier=supplier),
            "supplier_staff": SupplierUserFactory(username="supplier_staff", role="supplier_staff", supplier=supplier),
            "logistics": UserFactory(username="logistics", role="logistics"),
            "finance": UserFactory(username="finance", role="finance"),
        }
        transaction.set_rollback(True)


class _Request:
    def __init__(self, user):
        self.user = user


def links_on(page: str) -> set[str]:
    return {link.replace("&amp;", "&") for link in LINK.findall(page) if not NOT_FOLLOWED.search(link)}


def shape(url: str) -> tuple:
    """Links to one view with the same query parameters are one link: (path with its numbers as N, the parameters)."""
    query = url.partition("?")[2]
    return page_shape(url), tuple(sorted({pair.partition("=")[0] for pair in query.split("&") if pair}))


@pytest.mark.parametrize("role", ROLES)
def test_every_link_of_the_home_page_and_the_navigation_leads_somewhere_the_role_may_go(world, db, role):
    user = world[role]
    client = Client()
    client.force_login(user)
    pages = ["/", *(entry["url"] for entry in navigation(_Request(user))["nav_items"])]

    followed, dead = set(), {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        for link in sorted(links_on(response.content.decode())):
            if shape(link) in followed:
                continue
            followed.add(shape(link))
            status = client.get(link).status_code
            if status not in (200, 302):
                dead[link] = (url, status)

    assert not dead
