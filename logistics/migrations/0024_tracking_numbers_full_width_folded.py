"""Tracking numbers are stored with their full-width forms folded (NFKC: "ＳＦ１２３" is "SF123",
`logistics.carriers.tracking_key`), as they are now written and looked up. As in 0022, a row whose folded form another
row of the unique key already holds, or would hold, is left as it is and named on the console."""
import unicodedata
from importlib import import_module

from django.db import migrations

upper_case_0022 = import_module("logistics.migrations.0022_tracking_numbers_upper_case")


def _folded(number: str) -> str:
    return unicodedata.normalize("NFKC", number or "").strip().upper()


def fold(apps, schema_editor):
    upper_case_0022._upper_case(apps.get_model("logistics", "Shipment"), "carrier_key", label="shipment", normal_form=_folded)
    upper_case_0022._upper_case(apps.get_model("logistics", "CarrierEvent"), "sequence", label="carrier event", normal_form=_folded)


class Migration(migrations.Migration):

    dependencies = [
        ("logistics", "0023_return_list_index"),
    ]

    operations = [
        migrations.RunPython(fold, migrations.RunPython.noop),
    ]
