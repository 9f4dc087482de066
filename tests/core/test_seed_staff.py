"""The demo's staff users are people: named by their names alone, their role said apart."""
import pytest
from django.contrib.auth import get_user_model

from core.seed import seed_staff
from tests.factories import FIXED_NOW
from tests.portal import page_in

pytestmark = pytest.mark.django_db


def test_the_demo_staff_are_named_without_their_role_so_the_english_home_welcomes_a_person():
    seed_staff(now=FIXED_NOW, password="demo12345", progress=lambda *args, **kwargs: None)
    operator = get_user_model().objects.get(username="operator")

    english = page_in(operator, "/", "en")

    names = dict(get_user_model().objects.filter(username__in=["operator", "finance", "finance2", "logistics"])
                 .values_list("username", "first_name"))
    assert names == {"operator": "王敏", "finance": "李娜", "finance2": "赵强", "logistics": "陈刚"}
    assert "<h1>Welcome, 王敏</h1>" in english
