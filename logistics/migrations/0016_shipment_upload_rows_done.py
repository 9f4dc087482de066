from django.db import migrations, models
from django.db.models import F


def count_finished_uploads_done(apps, schema_editor):
    """An upload finished before uploads counted their rows is shown as having gone through all of them, as its page
    showed it then (a rejected one: its parcels had changed meanwhile)."""
    ShipmentUpload = apps.get_model("logistics", "ShipmentUpload")
    ShipmentUpload.objects.exclude(status="pending").update(rows_done=F("row_count"))


class Migration(migrations.Migration):

    dependencies = [
        ('logistics', '0015_leftover_lot_used'),
    ]

    operations = [
        migrations.AddField(
            model_name='shipmentupload',
            name='rows_done',
            field=models.PositiveIntegerField(default=0, verbose_name='已处理'),
        ),
        migrations.RunPython(count_finished_uploads_done, migrations.RunPython.noop, elidable=True),
    ]
