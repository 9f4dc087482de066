from django.db import migrations
from django.db.models import OuterRef, Q, Subquery


def name_recipients(apps, schema_editor) -> None:
    """The texts written before the outbox kept their recipient get the member the member page showed them to: the
    member whose phone they went to and who had joined by then, for the kinds a member is texted (a supplier's are not)."""
    Notification = apps.get_model("core", "Notification")
    Member = apps.get_model("points", "Member")
    holder = Member.objects.filter(phone=OuterRef("phone"), user__date_joined__lte=OuterRef("created_at")).values("user_id")[:1]
    Notification.objects.using(schema_editor.connection.alias).filter(recipient__isnull=True).exclude(
        Q(kind__startswith="supplier_") | Q(kind__startswith="statement_")
    ).update(recipient_id=Subquery(holder))


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0011_notification_recipient"),
        ("points", "0012_credit_upload"),
    ]

    operations = [
        migrations.RunPython(name_recipients, migrations.RunPython.noop, elidable=True),
    ]
