"""`manage.py seed_demo`'s settlement month in dispute: the dispute adjustment answers the reconciliation line of the
same claim, so finance is not offered to pay it a second time."""
from io import StringIO

import pytest
from django.core.management import call_command

from core.errors import Conflict
from settlement.models import Adjustment, Category, ReconciliationLine, Resolution
from settlement.services.reconciliation import lines_to_resolve, resolve_line
from tests.factories import FIXED_NOW

pytestmark = pytest.mark.django_db


def test_the_seeded_dispute_adjustment_resolves_its_reconciliation_line(django_user_model):
    call_command("seed_demo", stdout=StringIO())
    dispute = Adjustment.objects.get(kind=Adjustment.Kind.DISPUTE)
    claim = ReconciliationLine.objects.select_related("reconciliation__statement", "reconciliation__version", "adjustment").get(
        category=Category.MISSING_IN_OURS)
    finance = django_user_model.objects.get(username="finance")

    assert (claim.resolution, claim.adjustment, claim.amount, claim.open) == (Resolution.ACCEPT_THEIRS, dispute, dispute.amount, False)
    with pytest.raises(Conflict):
        resolve_line(line=claim, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=FIXED_NOW)
    assert lines_to_resolve(finance) == 0 and Adjustment.objects.filter(kind=Adjustment.Kind.DISPUTE).count() == 1
