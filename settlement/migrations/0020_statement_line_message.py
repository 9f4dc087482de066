from django.db import migrations, models
from django.db.models import Exists, OuterRef, Subquery

REASON_SHOWN = 200  # settlement.models.REASON_SHOWN when this was written
BATCH = 2000


def copy_messages(apps, schema_editor):
    """Lines claimed before lines kept the message of the text the system wrote take it from their extra cost or
    adjustment, where the line still says what that text says (what was issued does not change)."""
    StatementLine = apps.get_model("settlement", "StatementLine")
    ExtraCost = apps.get_model("logistics", "ExtraCost")
    Adjustment = apps.get_model("settlement", "Adjustment")
    cost = ExtraCost.objects.filter(pk=OuterRef("source_id"), description=OuterRef("note")).exclude(description_id="")
    StatementLine.objects.filter(Exists(cost), source_kind="extra_cost").update(
        message_id=Subquery(cost.values("description_id")[:1]), message_params=Subquery(cost.values("description_params")[:1]))
    reasons = {}
    for pk, number, kind, reason, reason_id, params in (Adjustment.objects.exclude(reason_id="").values_list(
            "pk", "number", "kind", "reason", "reason_id", "reason_params").iterator(chunk_size=BATCH)):
        shown = reason if len(reason) <= REASON_SHOWN else reason[:REASON_SHOWN] + "…"
        reasons[pk] = (f"{number} {kind} {shown}", reason_id, params)
    changed = []
    lines = StatementLine.objects.filter(source_kind="adjustment").only("pk", "source_id", "description").iterator(chunk_size=BATCH)
    for line in lines:
        description, reason_id, params = reasons.get(line.source_id, (None, "", None))
        if line.description == description:
            line.message_id, line.message_params = reason_id, params
            changed.append(line)
    StatementLine.objects.bulk_update(changed, ["message_id", "message_params"], batch_size=BATCH)


class Migration(migrations.Migration):

    dependencies = [
        ('logistics', '0011_cost_description_message'),
        ('settlement', '0019_case_reason_at_most_500_characters'),
    ]

    operations = [
        migrations.AddField(
            model_name='statementline',
            name='message_id',
            field=models.CharField(blank=True, max_length=300, verbose_name='说明消息'),
        ),
        migrations.AddField(
            model_name='statementline',
            name='message_params',
            field=models.JSONField(blank=True, null=True, verbose_name='说明参数'),
        ),
        migrations.RunPython(copy_messages, migrations.RunPython.noop, elidable=True),
    ]
