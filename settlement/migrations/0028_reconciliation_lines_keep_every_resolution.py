"""Every resolution of a reconciliation line is kept (`LineResolution`): a line resolved again after its adjustment was
rejected or withdrawn used to overwrite the first. The resolution each line holds now is kept as its first row (who,
when, the note, the adjustment); one an earlier re-resolution overwrote is gone and is not made up. Migrating back
drops the rows."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def keep_current_resolutions(apps, schema_editor):
    db = schema_editor.connection.alias
    Line, LineResolution = apps.get_model("settlement", "ReconciliationLine"), apps.get_model("settlement", "LineResolution")
    resolved = Line.objects.using(db).exclude(resolution="").order_by("pk").values_list(
        "pk", "resolution", "resolved_by_id", "resolved_at", "note", "note_params", "adjustment_id")
    LineResolution.objects.using(db).bulk_create(
        (LineResolution(line_id=pk, resolution=resolution, resolved_by_id=by, resolved_at=at, note=note, note_params=params,
                        adjustment_id=adjustment)
         for pk, resolution, by, at, note, params, adjustment in resolved.iterator(chunk_size=2000)),
        batch_size=2000,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("settlement", "0027_reconciliation_lines_booked_later"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="LineResolution",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("resolution", models.CharField(choices=[("accept_ours", "以平台为准"), ("accept_theirs", "以礼品商为准（调账）"), ("write_off", "核销"),
                                                         ("carry_forward", "转入下期")], max_length=20, verbose_name="处理")),
                ("resolved_at", models.DateTimeField(verbose_name="处理时间")),
                ("note", models.CharField(blank=True, max_length=300, verbose_name="处理说明")),
                ("note_params", models.JSONField(blank=True, null=True, verbose_name="处理说明参数")),
                ("adjustment", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                                 to="settlement.adjustment")),
                ("line", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="resolution_log",
                                           to="settlement.reconciliationline", verbose_name="对账明细")),
                ("resolved_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                                  to=settings.AUTH_USER_MODEL)),
            ],
            options={"verbose_name": "对账处理记录", "verbose_name_plural": "对账处理记录", "ordering": ["resolved_at", "id"]},
        ),
        migrations.RunPython(keep_current_resolutions, migrations.RunPython.noop),
    ]
