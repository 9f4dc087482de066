"""core 0001–0007 in one migration, for a database created now (one migrating from before keeps running those).
The data fixes of 0003 change rows a new database does not have and are left out (elidable); the programs are
written as 0002 wrote them.

Its operations are the models as they stand at the end of the range, each created whole (fields, indexes and
constraints), the rows written by the range's seeds last: it creates the same tables as the range, and migrating
takes a fraction of the model renderings."""

import core.models.users
import django.contrib.auth.validators
import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


PROGRAMS = [  # core 0002_programs
    {"code": "gotone", "name": "全球通积分计划", "sms_confirmation_threshold": 10000, "has_tiers": True},
    {"code": "mzone", "name": "动感地带M计划", "sms_confirmation_threshold": 5000, "has_tiers": False},
]


def create_programs(apps, schema_editor):
    Program = apps.get_model("core", "Program")
    for program in PROGRAMS:
        Program.objects.update_or_create(code=program["code"], defaults=program)


class Migration(migrations.Migration):

    replaces = [('core', '0001_initial'), ('core', '0002_programs'), ('core', '0003_idempotency_records_are_outcomes'), ('core', '0004_transition_reason_params'), ('core', '0005_user_manager_superuser_operator'), ('core', '0006_job_failures'), ('core', '0007_users_named_in_the_audit_trail_are_kept')]

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='Program',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=20, unique=True, verbose_name='代码')),
                ('name', models.CharField(max_length=50, verbose_name='名称')),
                ('sms_confirmation_threshold', models.PositiveIntegerField(help_text='兑换所需积分达到该值时须短信验证码二次确认', verbose_name='短信确认门槛（积分）')),
                ('has_tiers', models.BooleanField(default=False, verbose_name='区分会员等级')),
            ],
            options={
                'verbose_name': '积分计划',
                'verbose_name_plural': '积分计划',
                'ordering': ['id'],
            },
        ),
        migrations.CreateModel(
            name='User',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('password', models.CharField(max_length=128, verbose_name='password')),
                ('last_login', models.DateTimeField(blank=True, null=True, verbose_name='last login')),
                ('is_superuser', models.BooleanField(default=False, help_text='Designates that this user has all permissions without explicitly assigning them.', verbose_name='superuser status')),
                ('username', models.CharField(error_messages={'unique': 'A user with that username already exists.'}, help_text='Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.', max_length=150, unique=True, validators=[django.contrib.auth.validators.UnicodeUsernameValidator()], verbose_name='username')),
                ('first_name', models.CharField(blank=True, max_length=150, verbose_name='first name')),
                ('last_name', models.CharField(blank=True, max_length=150, verbose_name='last name')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='email address')),
                ('is_staff', models.BooleanField(default=False, help_text='Designates whether the user can log into this admin site.', verbose_name='staff status')),
                ('is_active', models.BooleanField(default=True, help_text='Designates whether this user should be treated as active. Unselect this instead of deleting accounts.', verbose_name='active')),
                ('date_joined', models.DateTimeField(default=django.utils.timezone.now, verbose_name='date joined')),
                ('role', models.CharField(choices=[('member', '会员'), ('supplier_admin', '礼品商管理员'), ('supplier_staff', '礼品商员工'), ('operator', '运营'), ('logistics', '物流'), ('finance', '财务')], default='member', max_length=20, verbose_name='角色')),
                ('phone', models.CharField(blank=True, max_length=20, verbose_name='手机号')),
                ('groups', models.ManyToManyField(blank=True, help_text='The groups this user belongs to. A user will get all permissions granted to each of their groups.', related_name='user_set', related_query_name='user', to='auth.group', verbose_name='groups')),
                ('user_permissions', models.ManyToManyField(blank=True, help_text='Specific permissions for this user.', related_name='user_set', related_query_name='user', to='auth.permission', verbose_name='user permissions')),
            ],
            options={
                'verbose_name': '用户',
                'verbose_name_plural': '用户',
            },
            managers=[
                ('objects', core.models.users.UserManager()),
            ],
        ),
        migrations.CreateModel(
            name='JobFailure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('job', models.CharField(max_length=100, verbose_name='任务')),
                ('item', models.CharField(blank=True, max_length=200, verbose_name='对象')),
                ('error_class', models.CharField(max_length=200, verbose_name='错误类型')),
                ('message', models.TextField(blank=True, verbose_name='错误信息')),
                ('first_failed_at', models.DateTimeField(verbose_name='首次失败时间')),
                ('last_failed_at', models.DateTimeField(verbose_name='最近失败时间')),
                ('failures', models.PositiveIntegerField(default=1, verbose_name='失败次数')),
                ('resolved_at', models.DateTimeField(blank=True, null=True, verbose_name='解决时间')),
            ],
            options={
                'verbose_name': '任务失败',
                'verbose_name_plural': '任务失败',
                'ordering': ['-last_failed_at', '-id'],
                'indexes': [models.Index(fields=['resolved_at', '-last_failed_at'], name='job_failure_open')],
                'constraints': [models.UniqueConstraint(fields=('job', 'item'), name='job_failure_once_per_item')],
            },
        ),
        migrations.CreateModel(
            name='Notification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('message_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name='消息编号')),
                ('kind', models.CharField(max_length=40, verbose_name='类型')),
                ('phone', models.CharField(max_length=20, verbose_name='手机号')),
                ('body', models.TextField(verbose_name='内容')),
                ('urgent', models.BooleanField(default=False, verbose_name='紧急')),
                ('status', models.CharField(choices=[('pending', '待发送'), ('sent', '已发送'), ('suppressed', '已退订不发送')], default='pending', max_length=12, verbose_name='状态')),
                ('created_at', models.DateTimeField(verbose_name='创建时间')),
                ('not_before', models.DateTimeField(verbose_name='最早发送时间')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='发送时间')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='尝试次数')),
                ('subject_type', models.CharField(blank=True, max_length=60)),
                ('subject_id', models.CharField(blank=True, max_length=40)),
            ],
            options={
                'verbose_name': '短信提醒',
                'verbose_name_plural': '短信提醒',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['status', 'not_before'], name='core_notifi_status_b8145b_idx')],
            },
        ),
        migrations.CreateModel(
            name='AccessLog',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(verbose_name='时间')),
                ('subject_type', models.CharField(max_length=60, verbose_name='对象类型')),
                ('subject_id', models.CharField(max_length=40, verbose_name='对象编号')),
                ('fields', models.CharField(max_length=200, verbose_name='字段')),
                ('purpose', models.CharField(blank=True, max_length=100, verbose_name='用途')),
                ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '个人信息访问记录',
                'verbose_name_plural': '个人信息访问记录',
                'ordering': ['-at', '-id'],
                'indexes': [models.Index(fields=['subject_type', 'subject_id'], name='core_access_subject_a2be72_idx')],
            },
        ),
        migrations.CreateModel(
            name='IdempotencyRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('endpoint', models.CharField(max_length=200)),
                ('key', models.CharField(max_length=255)),
                ('request_hash', models.CharField(max_length=64)),
                ('response_status', models.PositiveSmallIntegerField()),
                ('response_body', models.JSONField(null=True)),
                ('created_at', models.DateTimeField()),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(fields=['created_at'], name='core_idempo_created_c8a89f_idx')],
                'constraints': [models.UniqueConstraint(fields=('user', 'endpoint', 'key'), name='idempotency_key_once_per_user_endpoint')],
            },
        ),
        migrations.CreateModel(
            name='TransitionLog',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('object_id', models.PositiveBigIntegerField()),
                ('transition', models.CharField(max_length=60, verbose_name='操作')),
                ('source_state', models.CharField(max_length=40, verbose_name='原状态')),
                ('target_state', models.CharField(max_length=40, verbose_name='新状态')),
                ('at', models.DateTimeField(verbose_name='时间')),
                ('reason', models.TextField(blank=True, verbose_name='原因')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('content_type', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='contenttypes.contenttype')),
                ('reason_params', models.JSONField(blank=True, null=True, verbose_name='原因参数')),
            ],
            options={
                'verbose_name': '状态变更记录',
                'verbose_name_plural': '状态变更记录',
                'ordering': ['at', 'id'],
                'indexes': [models.Index(fields=['content_type', 'object_id', 'at'], name='core_transi_content_d39355_idx')],
            },
        ),
        migrations.RunPython(
            code=create_programs,
            reverse_code=migrations.RunPython.noop,
        ),
    ]
