from django.db import migrations
from django.db.models import BigIntegerField, OuterRef, Subquery
from django.db.models.functions import Cast


def name_recipients(apps, schema_editor) -> None:
    """The texts about a return written before the outbox kept their recipient get the member of the return's order,
    whichever number it has now (see points.0013)."""
    Notification = apps.get_model("core", "Notification")
    ReturnRequest = apps.get_model("logistics", "ReturnRequest")
    about = ReturnRequest.objects.filter(pk=Cast(OuterRef("subject_id"), BigIntegerField()))
    Notification.objects.using(schema_editor.connection.alias).filter(
        recipient__isnull=True, subject_type="logistics.returnrequest"
    ).update(recipient_id=Subquery(about.values("order__member__user_id")[:1]))


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0011_notification_recipient"),
        ("points", "0013_notification_recipients"),
        ("logistics", "0032_return_state"),
    ]

    operations = [
        migrations.RunPython(name_recipients, migrations.RunPython.noop, elidable=True),
    ]
