"""The daily qualification sweep (SPEC §4.1): a qualification whose warning or expiry fails is left for the next run and
never stops the others; the next run does it, and a second run does nothing twice."""
from datetime import date, timedelta

import pytest

from suppliers.models import Notice, Qualification
from suppliers.services import qualifications
from tests.helpers import unresolved_failures
from tests.suppliers.profile_factories import expiring_licence

pytestmark = [pytest.mark.django_db, pytest.mark.supplier(licence=None)]  # `supplier`: active, holding only the licences each test gives it

TODAY = date(2026, 10, 15)  # the date of the fixed `now`


def fail_for(monkeypatch, name: str, poison: Qualification) -> None:
    real = getattr(qualifications, name)

    def step(qualification, *args, **kwargs):
        if qualification.pk == poison.pk:
            raise RuntimeError("SMS gateway misconfigured for this supplier")
        return real(qualification, *args, **kwargs)

    monkeypatch.setattr(qualifications, name, step)


def test_a_warning_that_fails_is_sent_by_the_next_run_and_the_others_today(supplier, other_supplier, now, monkeypatch):
    poison, fine = (expiring_licence(s, expires_on=TODAY + timedelta(days=10)) for s in (supplier, other_supplier))
    fail_for(monkeypatch, "_warn", poison)

    first = qualifications.sweep_qualifications(now=now)

    assert first.warned == [fine.pk]
    assert Qualification.objects.get(pk=poison.pk).warned_at is None
    assert list(Notice.objects.values_list("supplier_id", flat=True)) == [other_supplier.pk]
    assert unresolved_failures("suppliers.sweep_qualifications.warn") == {f"suppliers.qualification:{poison.pk}": 1}
    monkeypatch.undo()
    assert qualifications.sweep_qualifications(now=now + timedelta(hours=1)).warned == [poison.pk]
    assert unresolved_failures("suppliers.sweep_qualifications.warn") == {}
    assert qualifications.sweep_qualifications(now=now + timedelta(hours=2)).warned == []
    assert Notice.objects.filter(kind="qualification_expiring").count() == 2


def test_an_expiry_that_fails_is_handled_by_the_next_run_and_the_others_today(supplier, other_supplier, now, monkeypatch):
    poison, fine = (expiring_licence(s, expires_on=TODAY - timedelta(days=1)) for s in (supplier, other_supplier))
    fail_for(monkeypatch, "_delist_covered_gifts", poison)

    first = qualifications.sweep_qualifications(now=now)

    assert first.expired == [fine.pk]
    assert Qualification.objects.get(pk=poison.pk).expiry_handled_at is None
    assert unresolved_failures("suppliers.sweep_qualifications.expire") == {f"suppliers.qualification:{poison.pk}": 1}
    monkeypatch.undo()
    assert qualifications.sweep_qualifications(now=now + timedelta(hours=1)).expired == [poison.pk]
    assert unresolved_failures("suppliers.sweep_qualifications.expire") == {}
    assert qualifications.sweep_qualifications(now=now + timedelta(hours=2)).expired == []
    assert Notice.objects.filter(kind="qualification_expired").count() == 2
