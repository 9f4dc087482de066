from django.db import migrations, models


def drop_unfinished_claims(apps, schema_editor):
    """Claims of requests that never completed carry no outcome to replay; their keys may be used again."""
    apps.get_model("core", "IdempotencyRecord").objects.exclude(status="done").delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_programs")]

    operations = [
        migrations.RunPython(drop_unfinished_claims, migrations.RunPython.noop),
        migrations.RemoveField(model_name="idempotencyrecord", name="status"),
        migrations.AlterField(model_name="idempotencyrecord", name="response_status", field=models.PositiveSmallIntegerField()),
    ]
