from decimal import Decimal

from django.db import migrations

TARIFFS = [
    ("redelivery", Decimal("15.00"), "单"),
    ("storage", Decimal("2.00"), "批次·天"),
    ("return_freight", Decimal("12.00"), "单"),
    ("disposal", Decimal("20.00"), "批次"),
    ("handling", Decimal("1.50"), "件"),
]


def create_tariffs(apps, schema_editor):
    Tariff = apps.get_model("logistics", "Tariff")
    for kind, amount, unit in TARIFFS:
        Tariff.objects.get_or_create(kind=kind, defaults={"amount": amount, "unit": unit})


class Migration(migrations.Migration):
    dependencies = [("logistics", "0001_initial")]
    operations = [migrations.RunPython(create_tariffs, migrations.RunPython.noop)]
