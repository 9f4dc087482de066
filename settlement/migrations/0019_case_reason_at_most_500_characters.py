from django.db import migrations, models
from django.db.models.functions import Length

REASON_MAX_LENGTH = 500  # core.validators.REASON_MAX_LENGTH when this was written


def refuse_longer_reasons(apps, schema_editor):
    """Stop before PostgreSQL refuses (or SQLite keeps) a case reason the new column does not hold, naming the cases."""
    RectificationCase = apps.get_model("settlement", "RectificationCase")
    longer = (RectificationCase.objects.annotate(length=Length("reason")).filter(length__gt=REASON_MAX_LENGTH)
              .order_by("pk").values_list("number", "length"))
    if longer:
        cases = ", ".join(f"{number} ({length})" for number, length in longer)
        raise RuntimeError(
            f"Rectification cases whose reason is longer than {REASON_MAX_LENGTH} characters: {cases}. "
            f"Shorten each reason (the rest may go into the case's history) and run the migration again.")


class Migration(migrations.Migration):

    dependencies = [
        ('settlement', '0018_reconciliation_figures_labelled_by_party'),
    ]

    operations = [
        migrations.RunPython(refuse_longer_reasons, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name='rectificationcase',
            name='reason',
            field=models.CharField(max_length=500, verbose_name='原因'),
        ),
    ]
