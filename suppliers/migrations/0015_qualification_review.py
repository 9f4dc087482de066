"""Qualifications a supplier uploads wait for an operator's review (`pending → approved | rejected`). Every row kept
so far already counted, so each existing row is approved; new rows start pending."""
from django.db import migrations, models

STATES = [("pending", "待审核"), ("approved", "已通过"), ("rejected", "已驳回")]


class Migration(migrations.Migration):
    dependencies = [("suppliers", "0014_own_warehouse_names")]

    operations = [
        migrations.AddField(
            model_name="qualification",
            name="state",
            field=models.CharField(choices=STATES, default="approved", max_length=50, verbose_name="审核状态"),
        ),
        migrations.AlterField(
            model_name="qualification",
            name="state",
            field=models.CharField(choices=STATES, default="pending", max_length=50, verbose_name="审核状态"),
        ),
    ]
