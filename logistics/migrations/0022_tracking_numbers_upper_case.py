"""Tracking numbers are stored upper-case without surrounding spaces (`logistics.carriers.tracking_key`), as they are
now written and looked up. A row whose normal form another row of the unique key already holds, or would hold, is left
as it is and named on the console: two parcels of one carrier typed "sf1" and "SF1" must be told apart by a person
(correct the tracking number of the wrong one), not merged by a migration."""
from collections import Counter

from django.db import migrations


def _normal(number: str) -> str:
    return (number or "").strip().upper()


def _upper_case(model, key: str, *, label: str, normal_form=_normal) -> None:
    """Normalise `model`'s tracking numbers where (key, normal form) stays unique; the rest are reported."""
    rows = list(model.objects.exclude(tracking_number="").values_list("pk", key, "tracking_number"))
    wanted = Counter((other, normal_form(number)) for _pk, other, number in rows)
    left = []
    for pk, other, number in rows:
        normal = normal_form(number)
        if normal == number:
            continue
        if wanted[(other, normal)] > 1:
            left.append(f"{label} #{pk} {number!r}")
            continue
        model.objects.filter(pk=pk).update(tracking_number=normal)
    if left:
        print(f"\n  tracking numbers left as they are (another row holds the same number in another form): {', '.join(left)}")


def upper_case(apps, schema_editor):
    _upper_case(apps.get_model("logistics", "Shipment"), "carrier_key", label="shipment")
    _upper_case(apps.get_model("logistics", "CarrierEvent"), "sequence", label="carrier event")


class Migration(migrations.Migration):

    dependencies = [
        ("logistics", "0021_uploads_left_behind"),
    ]

    operations = [
        migrations.RunPython(upper_case, migrations.RunPython.noop),
    ]
