"""A supplier's own warehouse is named by the supplier's name; pages add "自有仓" (own warehouse) in the reader's
language (Location.label)."""
from django.db import migrations

SUFFIX = " 自有仓"


def drop_suffix(apps, schema_editor):
    Location = apps.get_model("suppliers", "Location")
    for location in Location.objects.filter(kind="dropship", name__endswith=SUFFIX):
        location.name = location.name.removesuffix(SUFFIX)
        location.save(update_fields=["name"])


def add_suffix(apps, schema_editor):
    Location = apps.get_model("suppliers", "Location")
    for location in Location.objects.filter(kind="dropship").exclude(name__endswith=SUFFIX):
        location.name = f"{location.name}{SUFFIX}"
        location.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [("suppliers", "0013_movement_note_params")]

    operations = [migrations.RunPython(drop_suffix, add_suffix, elidable=True)]
