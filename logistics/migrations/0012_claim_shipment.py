import django.db.models.deletion
from django.db import migrations, models


def link_lost_parcels(apps, schema_editor):
    """A lost-parcel claim opened before claims named their parcel: the order's parcel failed as lost (an order had at
    most one such claim until then)."""
    Claim = apps.get_model("logistics", "LogisticsClaim")
    Shipment = apps.get_model("logistics", "Shipment")
    for claim in Claim.objects.filter(cause="lost_parcel", shipment__isnull=True).only("pk", "order_id").iterator():
        lost = Shipment.objects.filter(order_id=claim.order_id, state="failed", failure_reason="包裹丢失").order_by("-created_at", "-id")
        if parcel := lost.first():
            Claim.objects.filter(pk=claim.pk).update(shipment=parcel)


class Migration(migrations.Migration):

    dependencies = [
        ("logistics", "0011_cost_description_message"),
    ]

    operations = [
        migrations.AddField(
            model_name="logisticsclaim",
            name="shipment",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="claims", to="logistics.shipment",
                verbose_name="运单",
            ),
        ),
        migrations.RunPython(link_lost_parcels, migrations.RunPython.noop, elidable=True),
    ]
