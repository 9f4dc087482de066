"""logistics 0001–0016 in one migration, for a database created now (one migrating from before keeps running those).
The data fixes of 0004, 0007, 0012 and 0016 change rows a new database does not have and are left out (elidable);
the tariffs are written as 0002 wrote them (0018 turns their units into codes).

Its operations are the models as they stand at the end of the range, each created whole (fields, indexes and
constraints), the rows written by the range's seeds last: it creates the same tables as the range, and migrating
takes a fraction of the model renderings."""

import django.core.validators
import django.db.models.deletion
import django_fsm
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


TARIFFS = [  # logistics 0002_tariffs
    ("redelivery", Decimal("15.00"), "单"),
    ("storage", Decimal("2.00"), "批次·天"),
    ("return_freight", Decimal("12.00"), "单"),
    ("disposal", Decimal("20.00"), "批次"),
    ("handling", Decimal("1.50"), "件"),
]


def create_tariffs(apps, schema_editor):
    Tariff = apps.get_model("logistics", "Tariff")
    for kind, amount, unit in TARIFFS:
        Tariff.objects.get_or_create(kind=kind, defaults={"amount": amount, "unit": unit})


class Migration(migrations.Migration):

    replaces = [('logistics', '0001_initial'), ('logistics', '0002_tariffs'), ('logistics', '0003_leftover_lot_open_unique'), ('logistics', '0004_delivery_recorded_at'), ('logistics', '0005_carrier_event_waiting_index'), ('logistics', '0006_claim_reported_by'), ('logistics', '0007_shipment_carrier_key'), ('logistics', '0008_extra_cost_void'), ('logistics', '0009_shipment_send_back_for'), ('logistics', '0010_inbound_withdrawn_by_supplier'), ('logistics', '0011_cost_description_message'), ('logistics', '0012_claim_shipment'), ('logistics', '0013_tariff_change'), ('logistics', '0014_shipment_upload'), ('logistics', '0015_leftover_lot_used'), ('logistics', '0016_shipment_upload_rows_done')]

    dependencies = [
        ('points', '0003_redemptionorder'),
        ('points', '0007_order_fulfilment_choices'),
        ('suppliers', '0003_category_required_certificates_bankaccount_contract_and_more'),
        ('suppliers', '0007_withdraw_revisions_and_profile_changes'),
        ('suppliers', '0014_own_warehouse_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Tariff',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('redelivery', '二次配送费'), ('storage', '仓储费'), ('return_freight', '退货运费'), ('disposal', '销毁处置费'), ('handling', '装卸处理费')], max_length=20, unique=True, verbose_name='费用类型')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=10, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='单价')),
                ('unit', models.CharField(max_length=30, verbose_name='计费单位')),
            ],
            options={
                'verbose_name': '费用标准',
                'verbose_name_plural': '费用标准',
                'ordering': ['kind'],
            },
        ),
        migrations.CreateModel(
            name='HandoffBatch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=80, unique=True, verbose_name='批次键')),
                ('number', models.CharField(max_length=30, unique=True, verbose_name='交接批次号')),
                ('created_at', models.DateTimeField(verbose_name='交接时间')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '交接批次',
                'verbose_name_plural': '交接批次',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='HandoffItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('batch', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='logistics.handoffbatch')),
                ('order', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='handoff_item', to='points.redemptionorder')),
            ],
        ),
        migrations.CreateModel(
            name='InboundShipment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=30, unique=True, verbose_name='入库单号')),
                ('announced_quantity', models.PositiveIntegerField(verbose_name='预报数量')),
                ('expected_on', models.DateField(verbose_name='预计到货日期')),
                ('announced_at', models.DateTimeField(verbose_name='预报时间')),
                ('counted_quantity', models.PositiveIntegerField(blank=True, null=True, verbose_name='实收数量')),
                ('damaged_quantity', models.PositiveIntegerField(default=0, verbose_name='到货破损数量')),
                ('received_at', models.DateTimeField(blank=True, null=True, verbose_name='收货时间')),
                ('put_away_at', models.DateTimeField(blank=True, null=True, verbose_name='上架时间')),
                ('note', models.CharField(blank=True, max_length=300, verbose_name='备注')),
                ('state', models.CharField(choices=[('announced', '已预报'), ('received', '已收货'), ('put_away', '已上架'), ('cancelled', '已撤回')], default='announced', max_length=50, verbose_name='状态')),
                ('gift', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='inbound_shipments', to='suppliers.gift')),
                ('location', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='suppliers.location')),
                ('replenishment_request', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='inbound_shipments', to='suppliers.replenishmentrequest')),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='inbound_shipments', to='suppliers.supplier')),
                ('cancelled_at', models.DateTimeField(blank=True, null=True, verbose_name='撤回时间')),
            ],
            options={
                'verbose_name': '入库单',
                'verbose_name_plural': '入库单',
                'ordering': ['-announced_at', '-id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('announced_quantity__gte', 1)), name='inbound_announced_positive'), models.CheckConstraint(condition=models.Q(('counted_quantity__isnull', True), ('damaged_quantity__lte', models.F('counted_quantity')), _connector='OR'), name='inbound_damaged_within_counted')],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='LeftoverLot',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('quantity', models.PositiveIntegerField(verbose_name='数量')),
                ('created_at', models.DateTimeField(verbose_name='创建时间')),
                ('collect_by', models.DateField(verbose_name='取回期限')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='完结时间')),
                ('state', models.CharField(choices=[('open', '待处理'), ('collected', '礼品商已取回'), ('disposed', '已处置'), ('clearance', '转清仓'), ('used', '已用于换货')], default='open', max_length=50, verbose_name='状态')),
                ('gift', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='leftover_lots', to='suppliers.gift')),
                ('location', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='suppliers.location')),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='leftover_lots', to='suppliers.supplier')),
            ],
            options={
                'verbose_name': '遗留礼品批次',
                'verbose_name_plural': '遗留礼品批次',
                'ordering': ['collect_by', 'id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('quantity__gte', 1)), name='leftover_quantity_positive'), models.UniqueConstraint(condition=models.Q(('state', 'open')), fields=('gift', 'location'), name='one_open_leftover_lot_per_gift_warehouse')],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='ReturnRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=30, unique=True, verbose_name='退换货单号')),
                ('quantity', models.PositiveIntegerField(verbose_name='数量')),
                ('reason', models.CharField(choices=[('unused', '七天无理由（未使用）'), ('defective', '质量问题'), ('transit_damage', '运输破损')], max_length=20, verbose_name='原因')),
                ('remedy', models.CharField(choices=[('refund', '退货退积分'), ('exchange', '换货')], default='refund', max_length=10, verbose_name='诉求')),
                ('description', models.TextField(blank=True, verbose_name='说明')),
                ('requested_at', models.DateTimeField(verbose_name='申请时间')),
                ('received_at', models.DateTimeField(blank=True, null=True, verbose_name='收货时间')),
                ('inspected_at', models.DateTimeField(blank=True, null=True, verbose_name='检验时间')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='完结时间')),
                ('outcome', models.CharField(blank=True, choices=[('resellable', '可再售'), ('defective', '质量问题'), ('transit_damage', '运输破损'), ('used', '已使用（拒绝）')], max_length=20, verbose_name='检验结论')),
                ('liable', models.CharField(blank=True, choices=[('', '无'), ('supplier', '礼品商'), ('logistics', '物流商'), ('operator', '运营方')], max_length=10, verbose_name='责任方')),
                ('settlement_amount', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, verbose_name='冲减结算金额')),
                ('state', models.CharField(choices=[('requested', '已申请'), ('approved', '已同意'), ('rejected', '已拒绝'), ('received', '已收货'), ('inspected', '已检验'), ('refunded', '已退款'), ('exchanged', '已换货'), ('refused', '检验不通过')], default='requested', max_length=50, verbose_name='状态')),
                ('order', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='returns', to='points.redemptionorder')),
                ('refund_entry', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='points.ledgerentry')),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='returns', to='suppliers.supplier')),
            ],
            options={
                'verbose_name': '退换货',
                'verbose_name_plural': '退换货',
                'ordering': ['-requested_at', '-id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('quantity__gte', 1)), name='return_quantity_positive'), models.CheckConstraint(condition=models.Q(('settlement_amount__lte', 0)), name='return_settlement_not_positive')],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='ExtraCost',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('redelivery', '二次配送费'), ('storage', '仓储费'), ('return_freight', '退货运费'), ('disposal', '销毁处置费'), ('handling', '装卸处理费')], max_length=20, verbose_name='费用类型')),
                ('payer', models.CharField(choices=[('supplier', '礼品商'), ('logistics', '物流商'), ('operator', '运营方')], max_length=10, verbose_name='承担方')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='金额')),
                ('quantity', models.PositiveIntegerField(default=1, verbose_name='数量')),
                ('fee_date', models.DateField(blank=True, null=True, verbose_name='计费日期')),
                ('description', models.CharField(blank=True, max_length=300, verbose_name='说明')),
                ('recorded_at', models.DateTimeField(verbose_name='记录时间')),
                ('order', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='extra_costs', to='points.redemptionorder')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='extra_costs', to='suppliers.supplier')),
                ('inbound', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='extra_costs', to='logistics.inboundshipment')),
                ('lot', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='extra_costs', to='logistics.leftoverlot')),
                ('return_request', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='extra_costs', to='logistics.returnrequest')),
                ('state', models.CharField(choices=[('recorded', '已记录'), ('voided', '已作废')], default='recorded', max_length=50, verbose_name='状态')),
                ('void_reason', models.CharField(blank=True, max_length=300, verbose_name='作废原因')),
                ('voided_at', models.DateTimeField(blank=True, null=True, verbose_name='作废时间')),
                ('voided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='作废人')),
                ('description_id', models.CharField(blank=True, max_length=300, verbose_name='说明消息')),
                ('description_params', models.JSONField(blank=True, null=True, verbose_name='说明参数')),
            ],
            options={
                'verbose_name': '额外费用',
                'verbose_name_plural': '额外费用',
                'ordering': ['-recorded_at', '-id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('amount__gte', 0)), name='extra_cost_not_negative'), models.UniqueConstraint(condition=models.Q(('fee_date__isnull', False), ('lot__isnull', False)), fields=('lot', 'kind', 'fee_date'), name='storage_fee_once_per_lot_day')],
            },
        ),
        migrations.CreateModel(
            name='Shipment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('warehouse', '物流仓发货'), ('dropship', '礼品商直发')], max_length=10, verbose_name='类型')),
                ('quantity', models.PositiveIntegerField(verbose_name='数量')),
                ('settlement_amount', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, verbose_name='结算金额')),
                ('carrier', models.CharField(blank=True, max_length=40, verbose_name='承运商')),
                ('tracking_number', models.CharField(blank=True, max_length=60, verbose_name='运单号')),
                ('signer', models.CharField(blank=True, max_length=50, verbose_name='签收人')),
                ('failure_reason', models.CharField(blank=True, max_length=200, verbose_name='失败原因')),
                ('created_at', models.DateTimeField(verbose_name='创建时间')),
                ('picked_at', models.DateTimeField(blank=True, null=True, verbose_name='拣货时间')),
                ('shipped_at', models.DateTimeField(blank=True, null=True, verbose_name='发货时间')),
                ('delivered_at', models.DateTimeField(blank=True, null=True, verbose_name='签收时间')),
                ('last_event_sequence', models.PositiveIntegerField(default=0, verbose_name='最近事件序号')),
                ('state', models.CharField(choices=[('created', '待拣货'), ('picked', '已拣货'), ('shipped', '已发货'), ('delivered', '已签收'), ('failed', '配送失败'), ('cancelled', '已取消')], default='created', max_length=50, verbose_name='状态')),
                ('order', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='shipments', to='points.redemptionorder')),
                ('replacement_for', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='replacement_shipments', to='logistics.returnrequest')),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='shipments', to='suppliers.supplier')),
                ('delivery_recorded_at', models.DateTimeField(blank=True, null=True, verbose_name='签收登记时间')),
                ('carrier_key', models.CharField(blank=True, editable=False, max_length=40, verbose_name='承运商代码')),
                ('send_back_for', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='send_back_shipments', to='logistics.returnrequest')),
            ],
            options={
                'verbose_name': '运单',
                'verbose_name_plural': '运单',
                'ordering': ['-created_at', '-id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('quantity__gte', 1)), name='shipment_quantity_positive'), models.UniqueConstraint(condition=models.Q(('tracking_number', ''), _negated=True), fields=('carrier_key', 'tracking_number'), name='tracking_number_unique_per_carrier'), models.CheckConstraint(condition=models.Q(('replacement_for__isnull', True), ('send_back_for__isnull', True), _connector='OR'), name='shipment_one_return_purpose')],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='LogisticsClaim',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('cause', models.CharField(choices=[('transit_damage', '运输破损'), ('lost_parcel', '包裹丢失')], max_length=20, verbose_name='原因')),
                ('quantity', models.PositiveIntegerField(verbose_name='数量')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='索赔金额')),
                ('opened_at', models.DateTimeField(verbose_name='创建时间')),
                ('settled_at', models.DateTimeField(blank=True, null=True, verbose_name='结清时间')),
                ('settlement_reference', models.CharField(blank=True, max_length=60, verbose_name='结清凭证')),
                ('state', models.CharField(choices=[('open', '待处理'), ('accepted', '已确认'), ('settled', '已结清')], default='open', max_length=50, verbose_name='状态')),
                ('order', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='claims', to='points.redemptionorder')),
                ('return_request', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='claim', to='logistics.returnrequest')),
                ('reported_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='报告人')),
                ('shipment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='claims', to='logistics.shipment', verbose_name='运单')),
            ],
            options={
                'verbose_name': '物流索赔',
                'verbose_name_plural': '物流索赔',
                'ordering': ['-opened_at', '-id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('amount__gte', 0)), name='claim_amount_not_negative')],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='CarrierEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('event_id', models.CharField(max_length=80, unique=True, verbose_name='事件编号')),
                ('tracking_number', models.CharField(db_index=True, max_length=60, verbose_name='运单号')),
                ('sequence', models.PositiveIntegerField(verbose_name='序号')),
                ('kind', models.CharField(choices=[('picked', '已拣货'), ('shipped', '已发货'), ('delivered', '已签收'), ('failed', '配送失败')], max_length=10, verbose_name='类型')),
                ('occurred_at', models.DateTimeField(verbose_name='发生时间')),
                ('payload', models.JSONField(default=dict, verbose_name='内容')),
                ('received_at', models.DateTimeField(verbose_name='接收时间')),
                ('status', models.CharField(choices=[('waiting', '等待前序事件'), ('applied', '已处理'), ('rejected', '已拒绝')], default='waiting', max_length=10, verbose_name='状态')),
                ('detail', models.CharField(blank=True, max_length=300, verbose_name='说明')),
                ('shipment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='events', to='logistics.shipment')),
            ],
            options={
                'verbose_name': '承运商事件',
                'verbose_name_plural': '承运商事件',
                'ordering': ['tracking_number', 'sequence'],
                'indexes': [models.Index(condition=models.Q(('status', 'waiting')), fields=['received_at'], name='carrier_event_waiting')],
                'constraints': [models.UniqueConstraint(fields=('tracking_number', 'sequence'), name='carrier_event_sequence_unique')],
            },
        ),
        migrations.CreateModel(
            name='ShipmentUpload',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file_name', models.CharField(max_length=200, verbose_name='文件名')),
                ('uploaded_at', models.DateTimeField(verbose_name='上传时间')),
                ('status', models.CharField(choices=[('pending', '发货中'), ('shipped', '已发货'), ('rejected', '未发货')], default='pending', max_length=10, verbose_name='状态')),
                ('rows', models.JSONField(default=list)),
                ('headings', models.JSONField(default=dict)),
                ('row_count', models.PositiveIntegerField(verbose_name='运单数')),
                ('shipped_count', models.PositiveIntegerField(default=0, verbose_name='已发货')),
                ('problems', models.JSONField(default=list)),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='完成时间')),
                ('supplier', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='suppliers.supplier')),
                ('uploaded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('rows_done', models.PositiveIntegerField(default=0, verbose_name='已处理')),
            ],
            options={
                'verbose_name': '批量发货',
                'verbose_name_plural': '批量发货',
                'ordering': ['-uploaded_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='TariffChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('previous_amount', models.DecimalField(decimal_places=2, max_digits=10, verbose_name='原单价')),
                ('previous_unit', models.CharField(max_length=30, verbose_name='原计费单位')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=10, verbose_name='新单价')),
                ('unit', models.CharField(max_length=30, verbose_name='新计费单位')),
                ('changed_at', models.DateTimeField(verbose_name='修改时间')),
                ('changed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='修改人')),
                ('tariff', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='changes', to='logistics.tariff', verbose_name='费用类型')),
            ],
            options={
                'verbose_name': '费用标准变更',
                'verbose_name_plural': '费用标准变更',
                'ordering': ['-changed_at', '-id'],
            },
        ),
        migrations.RunPython(
            code=create_tariffs,
            reverse_code=migrations.RunPython.noop,
        ),
    ]
