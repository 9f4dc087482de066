"""A carrier event's sequence is a place in its parcel's history, unique per shipment instead of per tracking number.
Events of one shipment already sharing a sequence (its tracking number changed between them) stop the migration,
named by their event ids, to be mended first."""
from django.db import migrations, models

from core.migration_checks import refuse_duplicates


class Migration(migrations.Migration):

    dependencies = [
        ('logistics', '0027_disposal_fee_once_per_lot'),
    ]

    operations = [
        migrations.RunPython(
            refuse_duplicates(
                "logistics", "CarrierEvent", ("shipment", "sequence"), named_by="event_id", condition=models.Q(shipment__isnull=False),
                help_text="docs/operations.md (Upgrades, migration logistics.0028) says how to find them and mend them.",
            ),
            migrations.RunPython.noop,
        ),
        migrations.RemoveConstraint(
            model_name='carrierevent',
            name='carrier_event_sequence_unique',
        ),
        migrations.AddConstraint(
            model_name='carrierevent',
            constraint=models.UniqueConstraint(fields=('shipment', 'sequence'), name='carrier_event_sequence_unique'),
        ),
    ]
