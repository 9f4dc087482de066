import re

from django.db import migrations

#: settlement.services.statements.CARRY_CORRECTED when this was written
CARRY_CORRECTED = "%(month)s 结算单第 %(version)s 版应付 %(payable)s，已结转及已审批更正合计 %(booked)s（新版本改变了已结转的应付）"
#: the one text carry corrections were written with before (5393daa → this migration), English tail included
WRITTEN = re.compile(r"(?P<month>\d{4}-\d{2}) 结算单第 (?P<version>\d+) 版应付 (?P<payable>-?\d+\.\d{2})，"
                     r"已结转及已审批更正合计 (?P<booked>-?\d+(?:\.\d+)?) \(version (?P=version) changed a payable already carried forward\)")
REASON_SHOWN = 200  # settlement.models.REASON_SHOWN when this was written
BATCH = 2000


def carry_corrections_as_messages(apps, schema_editor):
    """Carry corrections written as text take the message the system writes now, with the values read back from the
    text, so they read in each reader's language; only a text that is exactly what the system wrote is read (an older
    wording, "此前已结转", is left as it is). Their reason as written is kept, and so is what their statement lines say:
    a line that still says it takes the message too (as settlement 0020 did for the other adjustments)."""
    Adjustment = apps.get_model("settlement", "Adjustment")
    StatementLine = apps.get_model("settlement", "StatementLine")
    read = {}
    corrections = Adjustment.objects.filter(kind="carry_correction", reason_id="").only("pk", "number", "kind", "reason")
    for adjustment in corrections.iterator(chunk_size=BATCH):
        if written := WRITTEN.fullmatch(adjustment.reason):
            adjustment.reason_id, adjustment.reason_params = CARRY_CORRECTED, written.groupdict() | {"version": int(written["version"])}
            read[adjustment.pk] = adjustment
    Adjustment.objects.bulk_update(read.values(), ["reason_id", "reason_params"], batch_size=BATCH)
    changed = []
    booked = Adjustment.objects.filter(kind="carry_correction").values("pk")
    lines = StatementLine.objects.filter(source_kind="adjustment", source_id__in=booked, message_id="").only("pk", "source_id", "description")
    for line in lines.iterator(chunk_size=BATCH):
        adjustment = read.get(line.source_id)
        if adjustment is None:
            continue
        shown = adjustment.reason if len(adjustment.reason) <= REASON_SHOWN else adjustment.reason[:REASON_SHOWN] + "…"
        if line.description == f"{adjustment.number} {adjustment.kind} {shown}":
            line.message_id, line.message_params = adjustment.reason_id, adjustment.reason_params
            changed.append(line)
    StatementLine.objects.bulk_update(changed, ["message_id", "message_params"], batch_size=BATCH)


class Migration(migrations.Migration):

    dependencies = [
        ('settlement', '0020_statement_line_message'),
    ]

    operations = [
        migrations.RunPython(carry_corrections_as_messages, migrations.RunPython.noop, elidable=True),
    ]
