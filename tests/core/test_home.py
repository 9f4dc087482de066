"""The home page's panels (core.home): each app registers what a role looks at first; the page shows the panels of the
signed-in user's role, in their order, and leaves out a panel with nothing to show."""
import pytest

from core import home
from core.roles import Role
from tests.factories import UserFactory
from tests.portal import logged_in


@pytest.fixture
def panels(monkeypatch):
    """An empty registry for the test, so that only the panels it registers exist."""
    registry = []
    monkeypatch.setattr(home, "_panels", registry)
    return registry


def test_a_role_sees_its_panels_in_their_order_and_not_another_roles(panels, db):
    home.register_home_panel("第二", "t2.html", lambda user: {"n": 2}, roles={Role.FINANCE}, order=20)
    home.register_home_panel("第一", "t1.html", lambda user: {"n": 1}, roles={Role.FINANCE, Role.OPERATOR}, order=10, wide=True)
    home.register_home_panel("运营的", "t3.html", lambda user: {"n": 3}, roles={Role.OPERATOR}, order=5)

    shown = home.home_panels(UserFactory(role=Role.FINANCE))

    assert [(p["title"], p["figures"], p["wide"]) for p in shown] == [("第一", {"n": 1}, True), ("第二", {"n": 2}, False)]


def test_a_panel_with_nothing_to_show_is_left_out_and_registering_twice_shows_it_once(panels, db):
    def nothing(user):
        return None

    def figures(user):
        return {"n": 1}

    home.register_home_panel("空", "t.html", nothing, roles={Role.FINANCE})
    home.register_home_panel("有", "t.html", figures, roles={Role.FINANCE})
    home.register_home_panel("有", "t.html", figures, roles={Role.FINANCE})  # an app's ready() run again

    assert [p["title"] for p in home.home_panels(UserFactory(role=Role.FINANCE))] == ["有"]


@pytest.mark.parametrize(("role", "titles"), [
    (Role.FINANCE, ["付款"]),  # the payables chart waits for a first issued statement
    (Role.LOGISTICS, ["运单", "库存"]),
    (Role.OPERATOR, ["近两周兑换", "运单"]),
])
def test_each_staff_role_opens_its_home_page_with_its_panels(db, role, titles):
    response = logged_in(UserFactory(role=role)).get("/")

    assert response.status_code == 200
    assert [p["title"] for p in response.context["panels"]] == titles


def test_a_superuser_signed_in_as_a_member_without_a_profile_sees_no_points_panel(db):
    user = UserFactory(role=Role.MEMBER, is_superuser=True)

    response = logged_in(user).get("/")

    assert response.status_code == 200
    assert "我的积分" not in [p["title"] for p in response.context["panels"]]
