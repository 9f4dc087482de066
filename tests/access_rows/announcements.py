"""Access-matrix rows of announcements and meeting notices; see tests/access.py for the format. The helpers are the
returns area's (importing tests.access here would be circular).

`world_objects` publishes one announcement to the matrix's supplier (chosen by name: it is still under review, and
"to all" reaches active suppliers only). Operators alone use `announcements/` (everyone else 403); suppliers use
their copies under `announcement-deliveries/` (another supplier's is a 404); finance and logistics see no copies.
"""
from tests.access_rows.returns import AUTHENTICATED, ROLES, only, row

SUPPLIER_USERS = {"supplier_admin": 200, "supplier_staff": 200}
OPERATORS_ONLY = {role: 403 for role in ROLES} | {"anon": 401}
DELIVERY_READ = only(SUPPLIER_USERS | {"operator": 200}, seen_by=set(), obj="delivery")


def supplier_action() -> dict:
    return only(SUPPLIER_USERS, seen_by={"operator"}, obj="delivery")


ROWS: dict = {
    ("announcement-list", "GET"): row(OPERATORS_ONLY | {"operator": 200}),
    ("announcement-list", "POST"): row(
        OPERATORS_ONLY | {"operator": 201},
        writable={"kind", "title", "body", "meeting_at", "place", "agenda", "to_all", "suppliers"},
        body={"title": "春节发货安排", "body": "2月1日至2月7日暂停发货。", "to_all": True}, headers={"HTTP_IDEMPOTENCY_KEY": "matrix-announcement"},
    ),
    ("announcement-detail", "GET"): row(OPERATORS_ONLY | {"operator": 200}, obj="announcement"),
    ("announcement-delivery-list", "GET"): row(AUTHENTICATED),
    ("announcement-delivery-detail", "GET"): DELIVERY_READ,
    ("announcement-delivery-read", "POST"): supplier_action(),
    # each write runs in a fresh world, so the first acknowledgement is the one the matrix sees (a second is 409)
    ("announcement-delivery-acknowledge", "POST"): supplier_action(),
}


def world_objects(*, supplier, users: dict, now, **_) -> dict:
    """An announcement and the matrix's supplier's copy of it. The matrix's supplier is under review, and announcements
    go only to active or suspended suppliers: the notice is published to an active one and the copy the rows act on is
    laid down beside it, as one held from before."""
    from suppliers.models import AnnouncementDelivery
    from suppliers.services import announcements
    from tests.factories import ApplicantFactory, ready_to_activate
    from suppliers.services import onboarding

    active = onboarding.start_supplier_review(supplier=ready_to_activate(ApplicantFactory()), actor=users["operator"], now=now)
    onboarding.approve_supplier(supplier=active, actor=users["operator"], now=now)
    announcement = announcements.publish_announcement(
        kind="meeting", title="季度供应商大会", body="请派代表参加。", meeting_at=now, place="杭州总部 3 楼", agenda="考核结果；新规",
        to_all=False, suppliers=[active], actor=users["operator"], now=now,
    )
    return {"announcement": announcement, "delivery": AnnouncementDelivery.objects.create(announcement=announcement, supplier=supplier)}
