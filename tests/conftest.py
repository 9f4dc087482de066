"""Shared fixtures: a fixed `now`, one user and API client per role, two supplier tenants, a listed gift and a member with
points for order tests."""
import gc
import importlib
from datetime import datetime
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation
from rest_framework.test import APIClient

from core.notifications.backends import MemoryBackend
from core.roles import Role
from points.services import ledger
from suppliers.services import inventory
from tests.factories import (
    FIXED_NOW, SHANGHAI, ApplicantFactory, GiftFactory, MemberFactory, SupplierFactory, SupplierUserFactory, UserFactory, WarehouseFactory,
    licensed,
)
from tests.helpers import published, rolled_back_after


@pytest.fixture
def now():
    return FIXED_NOW


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    MemoryBackend.outbox.clear()
    yield
    MemoryBackend.outbox.clear()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Counts kept in the cache (failed sign-ins) start from nothing in every test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _chinese_after_each_test():
    """A test whose last request was in English leaves English active in its worker; the next test starts in Chinese."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def pytest_collection_finish(session):
    """What the process holds once the tests are collected (the project's modules, the URL configuration, the tests
    themselves) lives until it ends: kept out of the garbage collector's full passes (`_frozen_for_the_run`)."""
    _frozen_for_the_run()


def _frozen_for_the_run() -> None:
    """Move every object alive now into the collector's permanent generation: a full pass, which the tests' garbage
    brings about every few tests, otherwise walks all of them each time (about a sixth of a run's CPU); the garbage
    made after it is collected as before."""
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database as pytest-django makes it, with the programs of the data migration: a database kept from an
    earlier run (`--reuse-db`) lost them to that run's transactional tests. What making it left alive (the migrations'
    model states are garbage by now) is frozen too."""
    with django_db_blocker.unblock():
        importlib.import_module("core.migrations.0002_programs").create_programs(apps, None)
    _frozen_for_the_run()


@pytest.fixture
def programs(transactional_db):
    """The programs of the data migration: a transactional test's flush deletes them (pytest-django
    runs those tests last), so put them back."""
    from core.models import Program

    importlib.import_module("core.migrations.0002_programs").create_programs(apps, None)
    return {program.code: program for program in Program.objects.all()}


def _supplier_for(request):
    """An active supplier with its contract and licence; a test or module marked `supplier(...)` gets another:
    `@pytest.mark.supplier(applicant=True)` an applicant with no paperwork, `supplier(licence=None)` (or
    `contract=None`) an active one without the factory's licence (contract), the test giving its own."""
    marker = request.node.get_closest_marker("supplier")
    kwargs = dict(marker.kwargs) if marker else {}
    return ApplicantFactory() if kwargs.pop("applicant", False) else SupplierFactory(**kwargs)


@pytest.fixture
def supplier(db, request):
    return _supplier_for(request)


@pytest.fixture
def licensed_supplier(supplier):
    """`supplier` holding a valid business licence, as a supplier whose gifts go to review and are listed."""
    return licensed(supplier)


@pytest.fixture
def other_supplier(db, request):
    return _supplier_for(request)


@pytest.fixture
def supplier_admin(supplier):
    return SupplierUserFactory(username="supplier_admin", role=Role.SUPPLIER_ADMIN, supplier=supplier)


@pytest.fixture
def supplier_staff(supplier):
    return SupplierUserFactory(username="supplier_staff", role=Role.SUPPLIER_STAFF, supplier=supplier)


@pytest.fixture
def other_supplier_admin(other_supplier):
    return SupplierUserFactory(username="other_supplier_admin", role=Role.SUPPLIER_ADMIN, supplier=other_supplier)


@pytest.fixture
def operator(db):
    return UserFactory(username="operator", role=Role.OPERATOR)


@pytest.fixture
def superuser(db):
    """The platform's administrator: an operator who is also a superuser, the one who manages users in the admin."""
    return UserFactory(username="root", role=Role.OPERATOR, is_superuser=True)


@pytest.fixture
def finance(db):
    return UserFactory(username="finance", role=Role.FINANCE)


@pytest.fixture
def finance_checker(db):
    return UserFactory(username="finance2", role=Role.FINANCE)


@pytest.fixture
def logistics(db):
    return UserFactory(username="logistics", role=Role.LOGISTICS)


@pytest.fixture
def member(db):
    return MemberFactory(user=UserFactory(username="member", role=Role.MEMBER))


@pytest.fixture
def other_member(db):
    return MemberFactory(user=UserFactory(username="other_member", role=Role.MEMBER))


@pytest.fixture(scope="module")
def matrix_world(django_db_setup, django_db_blocker):
    """The access matrix's world (users of every role, objects in many states), built once per module and worker and
    rolled back after it: for a test that only reads, or that rolls back each call it makes (with `db`)."""
    from tests.test_access_matrix import build_world

    with rolled_back_after(django_db_blocker):
        yield build_world(FIXED_NOW)


@pytest.fixture(scope="module")
def seeded_demo(django_db_setup, django_db_blocker):
    """`manage.py seed_demo`'s world, seeded once per module and worker (the fixture is what the run printed) and
    rolled back after the module: for tests reading it, with `db` so that what a test changes (running the seed
    again too) rolls back with the test."""
    from django.core.management import call_command

    with rolled_back_after(django_db_blocker):
        output = StringIO()
        call_command("seed_demo", stdout=output)
        yield output.getvalue()


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def api():
    """api(user) → an APIClient authenticated as that user (None: anonymous)."""
    return client_for


def listed(*, operator, now):
    """A new gift published by `operator` with 10 units in warehouse WH-ORD (`listed_gift`)."""
    gift = published(GiftFactory(), actor=operator, at=now)
    inventory.receive_stock(gift=gift, location=WarehouseFactory(code="WH-ORD"), quantity=10, at=now)
    return gift


@pytest.fixture
def listed_gift(operator, now):
    """GoTone 1500 / M-Zone 1200 points, settlement 180.00, 10 units in one warehouse."""
    return listed(operator=operator, now=now)


def staff_and_rich_member() -> tuple:
    """The operator, the logistics user and the rich member, as the fixtures of those names make them: for a world
    built once per module."""
    return (UserFactory(username="operator", role=Role.OPERATOR), UserFactory(username="logistics", role=Role.LOGISTICS),
            made_rich(MemberFactory(user=UserFactory(username="member", role=Role.MEMBER))))


def made_rich(member):
    """The member with 50 000 points earned this year (`rich_member`)."""
    ledger.earn_points(member=member, points=50_000, source=ledger.Source("batch", "SETUP"), at=datetime(2026, 1, 5, tzinfo=SHANGHAI))
    return member


@pytest.fixture
def rich_member(member, now):
    """The gold GoTone member with 50 000 points earned this year."""
    return made_rich(member)


@pytest.fixture
def broker_down(monkeypatch):
    """No task can be published (the broker unreachable, as kombu says it); the tasks refused are listed."""
    from celery.app.task import Task
    from kombu.exceptions import OperationalError

    refused = []

    def refuse(task, args=None, kwargs=None, **options):
        refused.append((task.name, kwargs))
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(Task, "apply_async", refuse)
    return refused


@pytest.fixture
def queued_tasks(monkeypatch):
    """Tasks published are listed (name, kwargs), not run."""
    from celery.app.task import Task

    queued = []
    monkeypatch.setattr(Task, "apply_async", lambda task, args=None, kwargs=None, **options: queued.append((task.name, kwargs)))
    return queued
