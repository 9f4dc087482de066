"""`core.selectors.counted`: several counts in one statement (the navigation's badges), each what `count()` says."""
import pytest

from core.models import User
from core.roles import Role, waiting_counts, waiting_for
from core.selectors import counted
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(operator, finance, logistics, member):
    return [operator, finance, UserFactory(username="finance2", role=Role.FINANCE), logistics, member.user]


def test_each_count_is_what_count_says_and_all_are_made_in_one_query(users, django_assert_num_queries):
    rows = [
        User.objects.filter(role=Role.OPERATOR).select_related("member").order_by("username"),
        User.objects.values("role").distinct(),  # one row per role: 4, not the 5 users
        User.objects.filter(role=Role.FINANCE).values("pk").union(User.objects.filter(role=Role.LOGISTICS).values("pk"), all=True),
        User.objects.filter(pk__in=[]),  # no statement can be made of it
        User.objects.order_by("pk")[1:3],
        7,
        None,
    ]
    expected = [1, 4, 3, 0, 2, 7, 0]
    assert [row if not hasattr(row, "count") else row.count() for row in rows[:-1]] + [0] == expected

    with django_assert_num_queries(1):
        counts = counted(rows)

    assert counts == expected


def test_a_badge_counts_its_rows_for_its_roles_only_and_the_others_count_nothing(operator, finance):
    @waiting_for({Role.FINANCE})
    def finance_users(user):
        return User.objects.filter(role=Role.FINANCE)

    assert (finance_users(finance), finance_users(operator)) == (1, 0)
    assert waiting_counts(finance, [finance_users, None, lambda user: 3]) == [1, 0, 3]
    assert waiting_counts(operator, [finance_users]) == [0]


def test_every_badge_counted_with_the_others_is_what_it_counts_alone_for_every_demo_user(seeded_demo, db, django_assert_num_queries):
    """The navigation counts a page's badges together (core.portal): each the number its service gives, for every role
    of the demo and a superuser, on SQLite and PostgreSQL alike."""
    from core.portal import _items

    badges = [item.badge for item in _items if item.badge]
    users = [*User.objects.filter(is_active=True).order_by("username"), UserFactory(username="root", role=Role.OPERATOR, is_superuser=True)]
    waiting = {}
    for user in users:
        alone = [badge(user) for badge in badges]
        with django_assert_num_queries(1):
            together = waiting_counts(user, badges)
        assert together == alone, user.username
        waiting[user.role] = waiting.get(user.role, 0) + sum(alone)

    assert {role for role, count in waiting.items() if count} >= {Role.OPERATOR, Role.FINANCE, Role.LOGISTICS, Role.SUPPLIER_ADMIN}
