from django.db import migrations
from django.db.models import BigIntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Cast

#: what a member's text written before the outbox kept its recipient is about → the path from it to that member's user
#: (a public complaint's answer went to its caller: no member); a return's texts are named by logistics.0033
SUBJECTS = {
    "points.redemptionorder": ("RedemptionOrder", "member__user_id"),
    "points.pointslot": ("PointsLot", "account__member__user_id"),
    "points.complaint": ("Complaint", "member__user_id"),
}
SUPPLIERS_TEXTS = Q(kind__startswith="supplier_") | Q(kind__startswith="statement_")


def name_recipients(apps, schema_editor) -> None:
    """The texts written before the outbox kept their recipient get the member they were written for: the member of the
    order, the lot or the complaint they are about, whichever number it has now (a number that changed hands since
    names nobody else); a member's text about nothing of these, the member holding its number and joined by then (the
    rule the member page went by). A supplier's texts name nobody."""
    Notification = apps.get_model("core", "Notification")
    texts = Notification.objects.using(schema_editor.connection.alias).filter(recipient__isnull=True).exclude(SUPPLIERS_TEXTS)
    for subject_type, (model, user) in SUBJECTS.items():
        about = apps.get_model("points", model).objects.filter(pk=Cast(OuterRef("subject_id"), BigIntegerField()))
        texts.filter(subject_type=subject_type).update(recipient_id=Subquery(about.values(user)[:1]))
    Member = apps.get_model("points", "Member")
    holder = Member.objects.filter(phone=OuterRef("phone"), user__date_joined__lte=OuterRef("created_at")).values("user_id")[:1]
    texts.filter(subject_type="").update(recipient_id=Subquery(holder))


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0011_notification_recipient"),
        ("points", "0012_credit_upload"),
    ]

    operations = [
        migrations.RunPython(name_recipients, migrations.RunPython.noop, elidable=True),
    ]
