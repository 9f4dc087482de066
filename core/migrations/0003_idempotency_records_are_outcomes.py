from django.db import migrations, models


def drop_unfinished_claims(apps, schema_editor):
    """Claims of requests that never completed carry no outcome to replay; their keys may be used again."""
    apps.get_model("core", "IdempotencyRecord").objects.filter(response_status__isnull=True).delete()


def mark_outcomes_done(apps, schema_editor):
    """Back to claims with a status: every stored outcome is a completed request."""
    apps.get_model("core", "IdempotencyRecord").objects.update(status="done")


class Migration(migrations.Migration):
    """Stop the web workers while this runs (their code and the table must agree on the status column)."""

    dependencies = [("core", "0002_programs")]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, mark_outcomes_done, elidable=True),
        migrations.RemoveField(model_name="idempotencyrecord", name="status"),
        migrations.RunPython(drop_unfinished_claims, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(model_name="idempotencyrecord", name="response_status", field=models.PositiveSmallIntegerField()),
    ]
