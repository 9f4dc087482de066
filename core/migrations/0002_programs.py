from django.db import migrations

PROGRAMS = [
    {"code": "gotone", "name": "全球通积分计划", "sms_confirmation_threshold": 10000, "has_tiers": True},
    {"code": "mzone", "name": "动感地带M计划", "sms_confirmation_threshold": 5000, "has_tiers": False},
]


def create_programs(apps, schema_editor):
    Program = apps.get_model("core", "Program")
    for program in PROGRAMS:
        Program.objects.update_or_create(code=program["code"], defaults=program)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(create_programs, migrations.RunPython.noop)]
