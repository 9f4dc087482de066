"""Each reconciliation's summary gains every category's gross amounts (`ours_gross`, `theirs_gross`: the amounts added
regardless of sign), computed from its lines as an upload now stores them."""
from django.db import migrations
from django.db.models import Sum
from django.db.models.functions import Abs


def add_gross(apps, schema_editor):
    Reconciliation = apps.get_model("settlement", "Reconciliation")
    ReconciliationLine = apps.get_model("settlement", "ReconciliationLine")
    for reconciliation in Reconciliation.objects.order_by("pk").iterator():
        summary = dict(reconciliation.summary or {})
        totals = ReconciliationLine.objects.filter(reconciliation=reconciliation).values("category").annotate(
            ours=Sum(Abs("our_amount")), theirs=Sum(Abs("amount"))).order_by()
        gross = {row["category"]: row for row in totals}
        for category, figures in summary.items():
            row = gross.get(category, {})
            summary[category] = {**figures, "ours_gross": f"{row.get('ours') or 0:.2f}", "theirs_gross": f"{row.get('theirs') or 0:.2f}"}
        Reconciliation.objects.filter(pk=reconciliation.pk).update(summary=summary)


class Migration(migrations.Migration):

    dependencies = [
        ("settlement", "0029_assessment_settings_keep_their_changes"),
    ]

    operations = [
        migrations.RunPython(add_gross, migrations.RunPython.noop),
    ]
