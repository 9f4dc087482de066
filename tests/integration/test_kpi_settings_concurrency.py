"""Two operators changing the KPI settings at once on PostgreSQL (SPEC §4.10): every change is checked against the
whole set (not every weight 0), so the second waits for the first and is checked against the set the first left."""
import importlib
import sys
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import transaction

from core.errors import ValidationFailed
from settlement.models import Kpi, KpiSetting
from settlement.services import assessment_rules
from tests.integration.racing import hold, run_into
from tests.settlement.test_assessment import ASSESSED_AT


@pytest.fixture(autouse=True)
def kpi_settings(programs):
    """The KPI settings of the data migration (a transactional test's flush deletes them), every weight 0 but two."""
    importlib.import_module("settlement.migrations.0002_assessment").defaults(apps, None)
    KpiSetting.objects.exclude(kpi__in=[Kpi.DEFECT_RATE, Kpi.COMPLAINT_RATE]).update(weight=0)


def committing() -> None:
    """The first change made, not yet committed."""


def test_two_operators_each_zeroing_one_of_the_last_two_weights_cannot_leave_every_weight_zero(operator, monkeypatch):
    def zero(kpi: str):
        return lambda: assessment_rules.update_kpi_settings(reason="测试调整", actor=operator, now=ASSESSED_AT, values={kpi: {"weight": 0}})

    def first():
        with transaction.atomic():
            zero(Kpi.DEFECT_RATE)()
            committing()

    first_step, second_step = run_into(first, hold(monkeypatch, sys.modules[__name__], "committing"), zero(Kpi.COMPLAINT_RATE))

    assert first_step.error is None
    assert isinstance(second_step.error, ValidationFailed) and second_step.error.errors[0][0] == "weight"
    weights = dict(KpiSetting.objects.values_list("kpi", "weight"))
    assert (weights[Kpi.DEFECT_RATE], weights[Kpi.COMPLAINT_RATE]) == (Decimal(0), Decimal(20))
