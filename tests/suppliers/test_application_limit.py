"""Supplier applications are limited per client address: the public page and the API say whether a username or a
credit code is taken, so every application counts, before anything in it is checked, and the 10th within 15 minutes
locks the address out of applying for 15 minutes (429 with Retry-After) — page and API counting together."""
from datetime import timedelta

import pytest
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from suppliers.errors import TooManyApplications
from suppliers.models import Supplier
from suppliers.services import onboarding
from tests.factories import SUPPLIER_APPLICATION

pytestmark = pytest.mark.django_db

API = "/api/v1/supplier-applications/"
PAGE = "/supplier/apply/"


def probing(**changes) -> dict:
    """An application naming a username that is taken (the operator's): it is refused on its field."""
    return SUPPLIER_APPLICATION | {"username": "operator"} | changes


def test_the_eleventh_application_from_one_address_is_429_with_retry_after_and_says_nothing_of_the_username(operator):
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    answers = [client.post(API, probing(), format="json") for _ in range(10)]

    refused = client.post(API, probing(), format="json")

    assert [answer.status_code for answer in answers] == [400] * 10
    assert answers[0].json()["errors"][0]["attr"] == "username"
    assert (refused.status_code, refused["Retry-After"]) == (429, "900")
    assert refused.json()["errors"] == [{"code": "too_many_applications", "detail": "申请提交过于频繁，请于 15 分钟后再试", "attr": None}]


def test_a_locked_out_address_cannot_apply_even_with_a_good_application_and_nothing_is_written(operator, settings):
    settings.SUPPLIER_APPLICATIONS_PER_CLIENT = 3
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        client.post(API, probing(), format="json")

    refused = client.post(API, SUPPLIER_APPLICATION, format="json")

    assert refused.status_code == 429
    assert not Supplier.objects.exists()


def test_another_address_still_applies(operator, settings):
    settings.SUPPLIER_APPLICATIONS_PER_CLIENT = 3
    for _ in range(3):
        APIClient(REMOTE_ADDR="203.0.113.7").post(API, probing(), format="json")

    applied = APIClient(REMOTE_ADDR="198.51.100.9").post(API, SUPPLIER_APPLICATION, format="json")

    assert applied.status_code == 201


def test_the_page_refuses_a_locked_out_address_with_429_and_the_values_sent_but_no_field_errors(operator, settings):
    settings.SUPPLIER_APPLICATIONS_PER_CLIENT = 3
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        assert "username" in client.post(PAGE, probing()).context["form"].errors

    refused = client.post(PAGE, probing())

    page = refused.content.decode()
    assert (refused.status_code, refused["Retry-After"]) == (429, "900")
    assert "申请提交过于频繁，请于 15 分钟后再试" in page and SUPPLIER_APPLICATION["name"] in page
    assert not refused.context["form"].is_bound and "该用户名已被使用" not in page


def test_applications_on_the_page_and_through_the_api_count_together(operator, settings):
    settings.SUPPLIER_APPLICATIONS_PER_CLIENT = 3
    for _ in range(3):
        Client(REMOTE_ADDR="203.0.113.7").post(PAGE, probing())

    refused = APIClient(REMOTE_ADDR="203.0.113.7").post(API, SUPPLIER_APPLICATION, format="json")

    assert refused.status_code == 429


def test_the_lockout_ends_after_the_window(settings, now):
    settings.SUPPLIER_APPLICATIONS_PER_CLIENT = 3
    request = RequestFactory().post(PAGE, REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        onboarding.limit_applications(request=request, now=now)

    with pytest.raises(TooManyApplications) as refused:
        onboarding.limit_applications(request=request, now=now + timedelta(minutes=14))

    assert refused.value.data["retry_after"] == 60
    onboarding.limit_applications(request=request, now=now + timedelta(minutes=15))
