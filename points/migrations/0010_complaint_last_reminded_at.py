from django.db import migrations, models
from django.db.models import Max, OuterRef, Subquery


def backfill(apps, schema_editor):
    """Each chased complaint's latest reminder, as the reminder service keeps it from now on."""
    Complaint, ComplaintReminder = apps.get_model("points", "Complaint"), apps.get_model("points", "ComplaintReminder")
    latest = ComplaintReminder.objects.filter(complaint=OuterRef("pk")).order_by().values("complaint").annotate(at=Max("sent_at")).values("at")
    Complaint.objects.filter(pk__in=ComplaintReminder.objects.values("complaint_id")).update(last_reminded_at=Subquery(latest))


class Migration(migrations.Migration):

    dependencies = [
        ('points', '0009_order_list_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='complaint',
            name='last_reminded_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='最近催办时间'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
