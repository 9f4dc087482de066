"""A leftover lot carries one recorded disposal fee (a voided one does not count). Lots already charged twice stop the
migration, their fees named by supplier, to be mended first (void the fee recorded in error)."""
from django.conf import settings
from django.db import migrations, models

from core.migration_checks import refuse_duplicates


class Migration(migrations.Migration):

    dependencies = [
        ('logistics', '0026_return_evidence_content_type'),
        ('points', '0010_complaint_last_reminded_at'),
        ('suppliers', '0023_records_keep_what_they_belong_to'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(
            refuse_duplicates("logistics", "ExtraCost", "lot", named_by="supplier__name",
                              condition=models.Q(kind="disposal", state="recorded"),
                              help_text="Void each disposal fee recorded in error (the costs page), then migrate again."),
            migrations.RunPython.noop,
        ),
        migrations.AddConstraint(
            model_name='extracost',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'disposal'), ('state', 'recorded')), fields=('lot',), name='disposal_fee_once_per_lot'),
        ),
    ]
