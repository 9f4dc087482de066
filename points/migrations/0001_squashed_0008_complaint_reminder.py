"""points 0001–0008 in one migration, for a database created now (one migrating from before keeps running those).
The data fix of 0004 changes rows a new database does not have and is left out (elidable).

Its operations are the models as they stand at the end of the range, each created whole (fields, indexes and
constraints), the rows written by the range's seeds last: it creates the same tables as the range, and migrating
takes a fraction of the model renderings."""

import django.db.models.deletion
import django_fsm
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('points', '0001_initial'), ('points', '0002_pointsaccount_ledgerentry_pointslot_lotallocation_and_more'), ('points', '0003_redemptionorder'), ('points', '0004_delivery_recorded_at'), ('points', '0005_complaints'), ('points', '0006_ledger_entry_note'), ('points', '0007_order_fulfilment_choices'), ('points', '0008_complaint_reminder')]

    dependencies = [
        ('core', '0001_initial'),
        ('core', '0002_programs'),
        ('suppliers', '0003_category_required_certificates_bankaccount_contract_and_more'),
        ('suppliers', '0004_announcements'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Complaint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=30, unique=True, verbose_name='编号')),
                ('kind', models.CharField(choices=[('complaint', '投诉'), ('suggestion', '建议')], default='complaint', max_length=12, verbose_name='类型')),
                ('channel', models.CharField(choices=[('member', '会员自助'), ('hotline', '客服热线代录'), ('supplier', '礼品商'), ('public', '公开渠道')], max_length=10, verbose_name='渠道')),
                ('contact_name', models.CharField(blank=True, max_length=50, verbose_name='联系人')),
                ('contact_phone', models.CharField(blank=True, max_length=20, verbose_name='联系电话')),
                ('title', models.CharField(max_length=200, verbose_name='标题')),
                ('description', models.TextField(verbose_name='内容')),
                ('opened_at', models.DateTimeField(verbose_name='提交时间')),
                ('responsible', models.CharField(blank=True, choices=[('supplier', '礼品商'), ('logistics', '物流商'), ('operator', '运营方')], max_length=10, verbose_name='责任方')),
                ('deadline', models.DateTimeField(blank=True, null=True, verbose_name='答复期限')),
                ('response', models.TextField(blank=True, verbose_name='答复')),
                ('responded_at', models.DateTimeField(blank=True, null=True, verbose_name='答复时间')),
                ('resolved_at', models.DateTimeField(blank=True, null=True, verbose_name='解决时间')),
                ('auto_resolved', models.BooleanField(default=False, verbose_name='自动解决')),
                ('state', models.CharField(choices=[('open', '待分派'), ('triaged', '处理中'), ('escalated', '已升级'), ('responded', '已答复'), ('resolved', '已解决'), ('reopened', '已重开')], default='open', max_length=50, verbose_name='状态')),
                ('gift', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='complaints', to='suppliers.gift')),
                ('opened_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('responded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('supplier', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='complaints', to='suppliers.supplier')),
            ],
            options={
                'verbose_name': '投诉与建议',
                'verbose_name_plural': '投诉与建议',
                'ordering': ['-opened_at', '-id'],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='ComplaintReminder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sent_at', models.DateTimeField(verbose_name='催办时间')),
                ('reason', models.CharField(blank=True, max_length=500, verbose_name='说明')),
                ('complaint', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='points.complaint')),
                ('sent_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '催办记录',
                'verbose_name_plural': '催办记录',
                'ordering': ['complaint_id', 'sent_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='Member',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('tier', models.CharField(choices=[('standard', '普通'), ('silver', '银卡'), ('gold', '金卡'), ('diamond', '钻石卡')], default='standard', max_length=10, verbose_name='等级')),
                ('name', models.CharField(max_length=50, verbose_name='姓名')),
                ('phone', models.CharField(max_length=20, unique=True, verbose_name='手机号')),
                ('reminders_opt_out', models.BooleanField(default=False, verbose_name='退订非紧急提醒')),
                ('program', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='members', to='core.program')),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='member', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '会员',
                'verbose_name_plural': '会员',
                'ordering': ['id'],
            },
        ),
        migrations.AddField(
            model_name='complaint',
            name='member',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='complaints', to='points.member'),
        ),
        migrations.CreateModel(
            name='PointsAccount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('balance', models.IntegerField(default=0, verbose_name='余额')),
                ('member', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='account', to='points.member')),
            ],
            options={
                'verbose_name': '积分账户',
                'verbose_name_plural': '积分账户',
                'constraints': [models.CheckConstraint(condition=models.Q(('balance__gte', 0)), name='points_balance_not_negative')],
            },
        ),
        migrations.CreateModel(
            name='LedgerEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('earn', '获得'), ('redeem', '兑换'), ('refund', '退还'), ('expire', '过期'), ('adjust', '调整')], max_length=10, verbose_name='类型')),
                ('points', models.IntegerField(verbose_name='积分')),
                ('balance_after', models.IntegerField(verbose_name='变动后余额')),
                ('reason_code', models.CharField(max_length=40, verbose_name='原因代码')),
                ('source_type', models.CharField(max_length=30, verbose_name='来源类型')),
                ('source_id', models.CharField(max_length=60, verbose_name='来源编号')),
                ('source_line', models.PositiveIntegerField(default=0, verbose_name='来源行')),
                ('at', models.DateTimeField(verbose_name='时间')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('account', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='points.pointsaccount')),
                ('note', models.CharField(blank=True, default='', max_length=200, verbose_name='说明')),
            ],
            options={
                'verbose_name': '积分流水',
                'verbose_name_plural': '积分流水',
                'ordering': ['at', 'id'],
                'constraints': [models.UniqueConstraint(fields=('account', 'kind', 'source_type', 'source_id', 'source_line'), name='ledger_entry_once_per_source'), models.CheckConstraint(condition=models.Q(('points', 0), _negated=True), name='ledger_entry_not_zero'), models.CheckConstraint(condition=models.Q(('balance_after__gte', 0)), name='ledger_balance_after_not_negative')],
            },
        ),
        migrations.CreateModel(
            name='PointsLot',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='获得年份')),
                ('earned', models.IntegerField(default=0, verbose_name='累计获得')),
                ('remaining', models.IntegerField(default=0, verbose_name='剩余')),
                ('expires_at', models.DateTimeField(verbose_name='到期时间')),
                ('expired_at', models.DateTimeField(blank=True, null=True, verbose_name='已过期处理时间')),
                ('reminded_at', models.DateTimeField(blank=True, null=True, verbose_name='到期提醒时间')),
                ('account', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lots', to='points.pointsaccount')),
            ],
            options={
                'verbose_name': '积分批次',
                'verbose_name_plural': '积分批次',
                'ordering': ['expires_at', 'id'],
                'constraints': [models.UniqueConstraint(fields=('account', 'year'), name='one_lot_per_account_year'), models.CheckConstraint(condition=models.Q(('remaining__gte', 0)), name='lot_remaining_not_negative'), models.CheckConstraint(condition=models.Q(('remaining__lte', models.F('earned'))), name='lot_remaining_within_earned')],
            },
        ),
        migrations.CreateModel(
            name='LotAllocation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('points', models.IntegerField()),
                ('entry', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='allocations', to='points.ledgerentry')),
                ('reverses', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reversals', to='points.ledgerentry')),
                ('lot', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='allocations', to='points.pointslot')),
            ],
            options={
                'constraints': [models.CheckConstraint(condition=models.Q(('points', 0), _negated=True), name='lot_allocation_not_zero')],
            },
        ),
        migrations.CreateModel(
            name='RedemptionOrder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=30, unique=True, verbose_name='订单号')),
                ('quantity', models.PositiveIntegerField(verbose_name='数量')),
                ('fulfilment', models.CharField(choices=[('warehouse', '物流仓发货'), ('dropship', '礼品商直发')], max_length=10, verbose_name='履约方式')),
                ('points_unit_price', models.PositiveIntegerField(verbose_name='积分单价')),
                ('tier_discount_percent', models.PositiveSmallIntegerField(default=0, verbose_name='等级折扣（%）')),
                ('clearance', models.BooleanField(default=False, verbose_name='清仓价')),
                ('points_cost', models.PositiveIntegerField(verbose_name='积分合计')),
                ('settlement_unit_price', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='结算单价')),
                ('settlement_amount', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='结算金额')),
                ('recipient_name', models.CharField(max_length=50, verbose_name='收件人')),
                ('recipient_phone', models.CharField(max_length=20, verbose_name='收件电话')),
                ('address', models.CharField(max_length=300, verbose_name='收货地址')),
                ('code_required', models.BooleanField(default=False, verbose_name='需短信确认')),
                ('code_hash', models.CharField(blank=True, max_length=64)),
                ('code_expires_at', models.DateTimeField(blank=True, null=True)),
                ('code_attempts', models.PositiveSmallIntegerField(default=0)),
                ('state', models.CharField(choices=[('awaiting_confirmation', '待确认'), ('confirmed', '已确认'), ('expired', '已过期'), ('cancelled', '已取消'), ('handed_over', '已交接'), ('shipped', '已发货'), ('delivered', '已签收'), ('delivery_failed', '配送失败'), ('returned', '已退货'), ('completed', '已完成')], default='awaiting_confirmation', max_length=50, verbose_name='状态')),
                ('placed_at', models.DateTimeField(verbose_name='下单时间')),
                ('expires_at', models.DateTimeField(verbose_name='确认截止时间')),
                ('confirmed_at', models.DateTimeField(blank=True, null=True, verbose_name='确认时间')),
                ('shipped_at', models.DateTimeField(blank=True, null=True, verbose_name='发货时间')),
                ('delivered_at', models.DateTimeField(blank=True, null=True, verbose_name='签收时间')),
                ('delivered_automatically', models.BooleanField(default=False, verbose_name='系统自动签收')),
                ('returned_quantity', models.PositiveIntegerField(default=0, verbose_name='已退数量')),
                ('gift', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='orders', to='suppliers.gift')),
                ('location', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='suppliers.location')),
                ('member', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='orders', to='points.member')),
                ('program', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.program')),
                ('redeem_entry', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='points.ledgerentry')),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='orders', to='suppliers.supplier')),
                ('delivery_recorded_at', models.DateTimeField(blank=True, null=True, verbose_name='签收登记时间')),
            ],
            options={
                'verbose_name': '兑换订单',
                'verbose_name_plural': '兑换订单',
                'ordering': ['-placed_at', '-id'],
                'indexes': [models.Index(fields=['state', 'expires_at'], name='points_rede_state_51ec25_idx'), models.Index(fields=['supplier', 'state'], name='points_rede_supplie_3f2fcb_idx'), models.Index(fields=['supplier', 'delivery_recorded_at'], name='points_rede_supplie_6e5700_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('quantity__gte', 1)), name='order_quantity_positive'), models.CheckConstraint(condition=models.Q(('returned_quantity__lte', models.F('quantity'))), name='order_returned_within_quantity'), models.CheckConstraint(condition=models.Q(('settlement_amount__gte', 0)), name='order_settlement_not_negative')],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.AddField(
            model_name='complaint',
            name='order',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='complaints', to='points.redemptionorder'),
        ),
        migrations.CreateModel(
            name='ComplaintDeadline',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('responsible', models.CharField(choices=[('supplier', '礼品商'), ('logistics', '物流商'), ('operator', '运营方')], max_length=10, verbose_name='责任方')),
                ('starts_at', models.DateTimeField(verbose_name='开始时间')),
                ('due_at', models.DateTimeField(verbose_name='截止时间')),
                ('responded_at', models.DateTimeField(blank=True, null=True, verbose_name='答复时间')),
                ('escalated_at', models.DateTimeField(blank=True, null=True, verbose_name='升级时间')),
                ('complaint', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deadlines', to='points.complaint')),
                ('supplier', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='suppliers.supplier')),
            ],
            options={
                'verbose_name': '答复期限',
                'verbose_name_plural': '答复期限',
                'ordering': ['complaint_id', 'starts_at', 'id'],
                'indexes': [models.Index(fields=['due_at'], name='points_comp_due_at_16427b_idx'), models.Index(fields=['supplier', 'due_at'], name='points_comp_supplie_4da77f_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('due_at__gt', models.F('starts_at'))), name='deadline_after_start')],
            },
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(fields=['state', 'deadline'], name='points_comp_state_943d7e_idx'),
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(fields=['supplier', 'responsible', 'opened_at'], name='points_comp_supplie_f60990_idx'),
        ),
    ]
