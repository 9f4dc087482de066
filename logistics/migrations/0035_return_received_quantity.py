from django.db import migrations, models
from django.db.models import F


def received_in_full(apps, schema_editor):
    """Returns received before a receipt stated its quantity: every unit they name arrived."""
    ReturnRequest = apps.get_model("logistics", "ReturnRequest")
    ReturnRequest.objects.using(schema_editor.connection.alias).filter(received_at__isnull=False).update(received_quantity=F("quantity"))


class Migration(migrations.Migration):

    dependencies = [
        ('logistics', '0034_tariff_change_reason'),
    ]

    operations = [
        migrations.AddField(
            model_name='returnrequest',
            name='received_quantity',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='实收数量'),
        ),
        migrations.AddConstraint(
            model_name='returnrequest',
            constraint=models.CheckConstraint(condition=models.Q(('received_quantity__isnull', True), models.Q(('received_quantity__gte', 1), ('received_quantity__lte', models.F('quantity'))), _connector='OR'), name='return_received_quantity_within_quantity'),
        ),
        migrations.RunPython(received_in_full, migrations.RunPython.noop),
    ]
