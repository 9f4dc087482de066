"""settlement 0001–0026 in one migration, for a database created now (one migrating from before keeps running those).
The data fixes of 0010, 0019, 0020 and 0021 change rows a new database does not have and are left out (elidable);
the KPI settings and penalty rules are written as 0002 wrote them.

Its operations are the models as they stand at the end of the range, each created whole (fields, indexes and
constraints), the rows written by the range's seeds last: it creates the same tables as the range, and migrating
takes a fraction of the model renderings."""

import django.db.models.deletion
import django_fsm
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


KPIS = {  # settlement 0002_assessment, kpi: (weight, target, higher is better), as settlement.models.assessment.DEFAULT_KPIS at the time
    "on_time_dispatch": ("20", "0.95", True), "replenishment_on_time": ("15", "0.90", True),
    "first_attempt_delivery": ("15", "0.95", True), "complaint_rate": ("20", "5", False),
    "complaint_sla": ("15", "0.95", True), "defect_rate": ("15", "0.02", False),
}
RULES = [  # kpi, threshold, amount, description
    ("on_time_dispatch", "0.80", "-500.00", "按时发货率低于80%，扣款500元"),
    ("complaint_sla", "0.80", "-300.00", "投诉按时答复率低于80%，扣款300元"),
    ("defect_rate", "0.05", "-500.00", "质量退货率高于5%，扣款500元"),
]


def defaults(apps, schema_editor):
    KpiSetting = apps.get_model("settlement", "KpiSetting")
    PenaltyRule = apps.get_model("settlement", "PenaltyRule")
    for kpi, (weight, target, higher) in KPIS.items():
        KpiSetting.objects.get_or_create(kpi=kpi, defaults={"weight": Decimal(weight), "target": Decimal(target), "higher_is_better": higher})
    for kpi, threshold, amount, description in RULES:
        PenaltyRule.objects.get_or_create(kpi=kpi, threshold=Decimal(threshold), defaults={"amount": Decimal(amount), "description": description})


class Migration(migrations.Migration):

    replaces = [('settlement', '0001_initial'), ('settlement', '0002_assessment'), ('settlement', '0003_line_statement_index'), ('settlement', '0004_statement_invoice_unique'), ('settlement', '0005_reconciliation_line_kind_labels'), ('settlement', '0006_adjustment_carry_correction'), ('settlement', '0007_adjustment_withdrawn'), ('settlement', '0008_statement_line_reference_note'), ('settlement', '0009_reconciliation_superseded_by'), ('settlement', '0010_statement_payment_separation_of_duties'), ('settlement', '0011_penalty_dismissal_maker_checker'), ('settlement', '0012_statement_version_reason'), ('settlement', '0013_statement_receivable_collection'), ('settlement', '0014_reconciliation_note_params'), ('settlement', '0015_adjustment_reason_message'), ('settlement', '0016_penalty_proposal_withdrawn'), ('settlement', '0017_statement_payment_due'), ('settlement', '0018_reconciliation_figures_labelled_by_party'), ('settlement', '0019_case_reason_at_most_500_characters'), ('settlement', '0020_statement_line_message'), ('settlement', '0021_carry_correction_reason_message'), ('settlement', '0022_work_left_behind'), ('settlement', '0023_pdf_failure'), ('settlement', '0024_pdf_requeues'), ('settlement', '0025_users_named_in_the_audit_trail_are_kept'), ('settlement', '0026_records_keep_what_they_belong_to_protected')]

    dependencies = [
        ('logistics', '0011_cost_description_message'),
        ('suppliers', '0003_category_required_certificates_bankaccount_contract_and_more'),
        ('suppliers', '0004_announcements'),
        ('suppliers', '0007_withdraw_revisions_and_profile_changes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='KpiSetting',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kpi', models.CharField(choices=[('on_time_dispatch', '按时发货率'), ('replenishment_on_time', '按时补货率'), ('first_attempt_delivery', '一次妥投率'), ('complaint_rate', '投诉率（每千单）'), ('complaint_sla', '投诉按时答复率'), ('defect_rate', '质量退货率')], max_length=30, unique=True, verbose_name='指标')),
                ('weight', models.DecimalField(decimal_places=2, max_digits=5, verbose_name='权重')),
                ('target', models.DecimalField(decimal_places=4, max_digits=9, verbose_name='目标值')),
                ('higher_is_better', models.BooleanField(default=True, verbose_name='越高越好')),
            ],
            options={
                'verbose_name': '考核指标设置',
                'verbose_name_plural': '考核指标设置',
                'ordering': ['kpi'],
            },
        ),
        migrations.CreateModel(
            name='PenaltyRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kpi', models.CharField(choices=[('on_time_dispatch', '按时发货率'), ('replenishment_on_time', '按时补货率'), ('first_attempt_delivery', '一次妥投率'), ('complaint_rate', '投诉率（每千单）'), ('complaint_sla', '投诉按时答复率'), ('defect_rate', '质量退货率')], max_length=30, verbose_name='指标')),
                ('threshold', models.DecimalField(decimal_places=4, max_digits=9, verbose_name='触发阈值')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=16, verbose_name='扣款金额')),
                ('description', models.CharField(max_length=200, verbose_name='说明')),
                ('active', models.BooleanField(default=True, verbose_name='启用')),
            ],
            options={
                'verbose_name': '违约扣款规则',
                'verbose_name_plural': '违约扣款规则',
                'ordering': ['kpi', 'threshold'],
            },
        ),
        migrations.CreateModel(
            name='Adjustment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=30, unique=True, verbose_name='调账单号')),
                ('kind', models.CharField(choices=[('penalty', '违约扣款'), ('reconciliation', '对账更正'), ('dispute', '异议调整'), ('compensation', '补偿'), ('carry_correction', '结转更正'), ('other', '其他')], max_length=20, verbose_name='类型')),
                ('amount', models.DecimalField(decimal_places=2, help_text='正数增加应付，负数减少应付', max_digits=16, verbose_name='金额')),
                ('reason', models.TextField(verbose_name='原因')),
                ('source_kind', models.CharField(default='other', max_length=30, verbose_name='来源类型')),
                ('source_id', models.CharField(blank=True, max_length=40, verbose_name='来源编号')),
                ('created_at', models.DateTimeField(verbose_name='创建时间')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='审批时间')),
                ('decision_note', models.TextField(blank=True, verbose_name='审批意见')),
                ('state', models.CharField(choices=[('proposed', '待审批'), ('approved', '已审批'), ('rejected', '已驳回'), ('withdrawn', '已撤回')], default='proposed', max_length=50, verbose_name='状态')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='adjustments', to='suppliers.supplier')),
                ('reason_id', models.CharField(blank=True, max_length=300, verbose_name='原因消息')),
                ('reason_params', models.JSONField(blank=True, null=True, verbose_name='原因参数')),
            ],
            options={
                'verbose_name': '调账',
                'verbose_name_plural': '调账',
                'ordering': ['-created_at', '-id'],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='Assessment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='考核月份')),
                ('score', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, verbose_name='得分')),
                ('computed_at', models.DateTimeField(verbose_name='计算时间')),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assessments', to='suppliers.supplier')),
            ],
            options={
                'verbose_name': '月度考核',
                'verbose_name_plural': '月度考核',
                'ordering': ['-month', 'supplier_id'],
                'constraints': [models.UniqueConstraint(fields=('supplier', 'month'), name='one_assessment_per_supplier_month')],
            },
        ),
        migrations.CreateModel(
            name='GenerationRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='结算月份')),
                ('status', models.CharField(choices=[('running', '生成中'), ('finished', '已完成'), ('failed', '失败')], default='running', max_length=10, verbose_name='状态')),
                ('suppliers_total', models.PositiveIntegerField(default=0, verbose_name='礼品商总数')),
                ('suppliers_done', models.PositiveIntegerField(default=0, verbose_name='已完成礼品商')),
                ('statements_created', models.PositiveIntegerField(default=0, verbose_name='新建结算单')),
                ('lines_claimed', models.PositiveIntegerField(default=0, verbose_name='入账明细')),
                ('started_at', models.DateTimeField(verbose_name='开始时间')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='结束时间')),
                ('error', models.TextField(blank=True, verbose_name='错误')),
                ('started_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('progressed_at', models.DateTimeField(blank=True, null=True, verbose_name='最近进展')),
                ('requeues', models.PositiveSmallIntegerField(default=0, verbose_name='重新排队次数')),
            ],
            options={
                'verbose_name': '结算单生成',
                'verbose_name_plural': '结算单生成',
                'ordering': ['-started_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='KpiResult',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kpi', models.CharField(choices=[('on_time_dispatch', '按时发货率'), ('replenishment_on_time', '按时补货率'), ('first_attempt_delivery', '一次妥投率'), ('complaint_rate', '投诉率（每千单）'), ('complaint_sla', '投诉按时答复率'), ('defect_rate', '质量退货率')], max_length=30, verbose_name='指标')),
                ('numerator', models.PositiveIntegerField(verbose_name='分子')),
                ('denominator', models.PositiveIntegerField(verbose_name='分母')),
                ('value', models.DecimalField(blank=True, decimal_places=4, max_digits=9, null=True, verbose_name='数值')),
                ('target', models.DecimalField(decimal_places=4, max_digits=9, verbose_name='目标值')),
                ('weight', models.DecimalField(decimal_places=2, max_digits=5, verbose_name='权重')),
                ('attainment', models.DecimalField(blank=True, decimal_places=4, max_digits=9, null=True, verbose_name='达成度')),
                ('assessment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='results', to='settlement.assessment')),
            ],
            options={
                'verbose_name': '考核指标结果',
                'verbose_name_plural': '考核指标结果',
                'ordering': ['assessment_id', 'kpi'],
                'constraints': [models.UniqueConstraint(fields=('assessment', 'kpi'), name='one_result_per_kpi')],
            },
        ),
        migrations.CreateModel(
            name='PenaltyProposal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('value', models.DecimalField(decimal_places=4, max_digits=9, verbose_name='指标值')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=16, verbose_name='扣款金额')),
                ('created_at', models.DateTimeField(verbose_name='创建时间')),
                ('note', models.TextField(blank=True, verbose_name='处理意见')),
                ('state', models.CharField(choices=[('proposed', '待处理'), ('accepted', '已转调账'), ('dismissing', '撤销待确认'), ('dismissed', '已撤销'), ('withdrawn', '已撤回')], default='proposed', max_length=50, verbose_name='状态')),
                ('adjustment', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='settlement.adjustment')),
                ('assessment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='penalties', to='settlement.assessment')),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='suppliers.supplier')),
                ('rule', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='settlement.penaltyrule')),
                ('dismissal_requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('dismissed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '扣款建议',
                'verbose_name_plural': '扣款建议',
                'ordering': ['-created_at', '-id'],
                'constraints': [models.UniqueConstraint(fields=('assessment', 'rule'), name='one_penalty_per_breach'), models.CheckConstraint(condition=models.Q(('dismissed_by__isnull', True), ('dismissal_requested_by__isnull', True), models.Q(('dismissed_by', models.F('dismissal_requested_by')), _negated=True), _connector='OR'), name='penalty_dismissal_checker_is_not_maker')],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='RectificationCase',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=30, unique=True, verbose_name='编号')),
                ('kind', models.CharField(choices=[('warning', '警告'), ('rectification', '整改通知')], max_length=15, verbose_name='类型')),
                ('reason', models.CharField(max_length=500, verbose_name='原因')),
                ('deadline', models.DateField(verbose_name='整改期限')),
                ('opened_at', models.DateTimeField(verbose_name='开立时间')),
                ('answer', models.TextField(blank=True, verbose_name='整改说明')),
                ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='提交时间')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='关闭时间')),
                ('state', models.CharField(choices=[('open', '待整改'), ('answered', '已提交整改'), ('closed', '已关闭')], default='open', max_length=50, verbose_name='状态')),
                ('assessment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='cases', to='settlement.assessment')),
                ('opened_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='rectification_cases', to='suppliers.supplier')),
            ],
            options={
                'verbose_name': '整改单',
                'verbose_name_plural': '整改单',
                'ordering': ['deadline', 'id'],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='ReEvaluation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('due_on', models.DateField(verbose_name='复评截止日')),
                ('created_at', models.DateTimeField(verbose_name='创建时间')),
                ('average_score', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, verbose_name='近期平均得分')),
                ('proposed', models.CharField(blank=True, choices=[('renew', '续约'), ('rectify', '限期整改'), ('suspend', '暂停合作'), ('terminate', '终止合作')], max_length=10, verbose_name='建议')),
                ('decision', models.CharField(blank=True, choices=[('renew', '续约'), ('rectify', '限期整改'), ('suspend', '暂停合作'), ('terminate', '终止合作')], max_length=10, verbose_name='决定')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='决定时间')),
                ('note', models.TextField(blank=True, verbose_name='说明')),
                ('state', models.CharField(choices=[('due', '待复评'), ('decided', '已决定')], default='due', max_length=50, verbose_name='状态')),
                ('contract', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='suppliers.contract')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='re_evaluations', to='suppliers.supplier')),
            ],
            options={
                'verbose_name': '复评',
                'verbose_name_plural': '复评',
                'ordering': ['due_on', 'id'],
                'constraints': [models.UniqueConstraint(fields=('supplier', 'due_on'), name='one_re_evaluation_per_supplier_due_date')],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='Statement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(help_text='the first day of the month', verbose_name='结算月份')),
                ('version', models.PositiveIntegerField(default=1, verbose_name='当前版本')),
                ('payable', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=16, verbose_name='应付金额')),
                ('generated_at', models.DateTimeField(verbose_name='生成时间')),
                ('issued_at', models.DateTimeField(blank=True, null=True, verbose_name='下发时间')),
                ('confirmed_at', models.DateTimeField(blank=True, null=True, verbose_name='确认时间')),
                ('deemed_confirmed', models.BooleanField(default=False, verbose_name='逾期视同确认')),
                ('dispute_reason', models.TextField(blank=True, verbose_name='异议说明')),
                ('invoice_number', models.CharField(blank=True, max_length=40, verbose_name='发票号码')),
                ('invoice_amount', models.DecimalField(blank=True, decimal_places=2, max_digits=16, null=True, verbose_name='发票金额')),
                ('invoiced_at', models.DateTimeField(blank=True, null=True, verbose_name='开票登记时间')),
                ('payment_approved_at', models.DateTimeField(blank=True, null=True, verbose_name='付款审批时间')),
                ('payment_reference', models.CharField(blank=True, max_length=60, verbose_name='付款凭证号')),
                ('payment_date', models.DateField(blank=True, null=True, verbose_name='付款日期')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='关闭时间')),
                ('receivable', models.BooleanField(default=False, verbose_name='转为应收')),
                ('state', models.CharField(choices=[('draft', '草稿'), ('issued', '已下发'), ('confirmed', '已确认'), ('disputed', '有异议'), ('invoiced', '已开票'), ('approved', '已审批付款'), ('paid', '已付款'), ('closed', '已关闭'), ('collected', '应收已收回')], default='draft', max_length=50, verbose_name='状态')),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='statements', to='suppliers.supplier')),
                ('issued_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('paid_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('payment_approved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('collected_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('collection_date', models.DateField(blank=True, null=True, verbose_name='收款日期')),
                ('collection_reference', models.CharField(blank=True, max_length=60, verbose_name='收款凭证号')),
                ('payment_days', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='付款账期（天）')),
                ('payment_due_on', models.DateField(blank=True, null=True, verbose_name='付款到期日')),
            ],
            options={
                'verbose_name': '结算单',
                'verbose_name_plural': '结算单',
                'ordering': ['-month', 'supplier_id'],
                'indexes': [models.Index(fields=['state', 'issued_at'], name='settlement__state_a7f3f8_idx'), models.Index(fields=['month', 'state'], name='settlement__month_7e78df_idx')],
                'constraints': [models.UniqueConstraint(fields=('supplier', 'month'), name='one_statement_per_supplier_month'), models.UniqueConstraint(condition=models.Q(('invoice_number', ''), _negated=True), fields=('supplier', 'invoice_number'), name='one_statement_per_supplier_invoice'), models.CheckConstraint(condition=models.Q(('payment_approved_by__isnull', True), ('issued_by__isnull', True), models.Q(('payment_approved_by', models.F('issued_by')), _negated=True), _connector='OR'), name='statement_payment_approver_is_not_issuer'), models.CheckConstraint(condition=models.Q(('paid_by__isnull', True), ('payment_approved_by__isnull', True), models.Q(('paid_by', models.F('payment_approved_by')), _negated=True), _connector='OR'), name='statement_payer_is_not_payment_approver')],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='Reconciliation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file_name', models.CharField(max_length=200, verbose_name='文件名')),
                ('uploaded_at', models.DateTimeField(verbose_name='上传时间')),
                ('row_count', models.PositiveIntegerField(default=0, verbose_name='文件行数')),
                ('summary', models.JSONField(default=dict, verbose_name='汇总')),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='suppliers.supplier')),
                ('uploaded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('statement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reconciliations', to='settlement.statement')),
                ('superseded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='settlement.reconciliation', verbose_name='被替代于')),
            ],
            options={
                'verbose_name': '对账',
                'verbose_name_plural': '对账',
                'ordering': ['-uploaded_at', '-id'],
            },
        ),
        migrations.AddField(
            model_name='adjustment',
            name='statement',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='dispute_adjustments', to='settlement.statement'),
        ),
        migrations.CreateModel(
            name='StatementLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, verbose_name='首次出现的版本')),
                ('section', models.CharField(choices=[('delivery', '配送结算'), ('return', '退货冲减'), ('extra_cost', '额外费用'), ('adjustment', '调账'), ('carried_forward', '上期结转')], max_length=20, verbose_name='部分')),
                ('source_kind', models.CharField(choices=[('order', '兑换订单'), ('replacement', '换货发货'), ('return', '退换货'), ('extra_cost', '额外费用'), ('adjustment', '调账'), ('statement', '上期结算单')], max_length=20, verbose_name='来源类型')),
                ('source_id', models.BigIntegerField(verbose_name='来源编号')),
                ('order_number', models.CharField(blank=True, max_length=30, verbose_name='订单号')),
                ('sku', models.CharField(blank=True, max_length=60, verbose_name='SKU')),
                ('quantity', models.IntegerField(default=0, verbose_name='数量')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=16, verbose_name='金额')),
                ('recorded_at', models.DateTimeField(verbose_name='记录时间')),
                ('contact', models.CharField(blank=True, max_length=20, verbose_name='联系电话')),
                ('description', models.CharField(blank=True, max_length=300, verbose_name='说明')),
                ('statement', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='lines', to='settlement.statement')),
                ('note', models.CharField(blank=True, max_length=300, verbose_name='备注')),
                ('reference', models.CharField(blank=True, max_length=40, verbose_name='所属')),
                ('message_id', models.CharField(blank=True, max_length=300, verbose_name='说明消息')),
                ('message_params', models.JSONField(blank=True, null=True, verbose_name='说明参数')),
            ],
            options={
                'verbose_name': '结算明细',
                'verbose_name_plural': '结算明细',
                'ordering': ['statement_id', 'section', 'recorded_at', 'id'],
                'indexes': [models.Index(fields=['statement', 'version', 'section'], name='settlement__stateme_6d511f_idx'), models.Index(fields=['order_number', 'sku'], name='settlement__order_n_e51475_idx')],
                'constraints': [models.UniqueConstraint(fields=('source_kind', 'source_id'), name='event_claimed_once')],
            },
        ),
        migrations.CreateModel(
            name='ReconciliationLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('row', models.PositiveIntegerField(blank=True, null=True, verbose_name='文件行号')),
                ('order_number', models.CharField(blank=True, max_length=30, verbose_name='订单号')),
                ('sku', models.CharField(blank=True, max_length=60, verbose_name='SKU')),
                ('kind', models.CharField(blank=True, choices=[('delivery', '配送'), ('return', '退货'), ('replacement', '换货')], max_length=20, verbose_name='明细类型')),
                ('quantity', models.IntegerField(blank=True, null=True, verbose_name='礼品商数量')),
                ('amount', models.DecimalField(blank=True, decimal_places=2, max_digits=16, null=True, verbose_name='礼品商金额')),
                ('our_quantity', models.IntegerField(blank=True, null=True, verbose_name='平台数量')),
                ('our_amount', models.DecimalField(blank=True, decimal_places=2, max_digits=16, null=True, verbose_name='平台金额')),
                ('category', models.CharField(choices=[('duplicate', '重复行'), ('other_period', '属于其他账期'), ('missing_in_ours', '平台无此记录'), ('quantity_mismatch', '数量不符'), ('amount_mismatch', '金额不符'), ('matched', '一致'), ('missing_in_supplier', '礼品商无此记录')], max_length=20, verbose_name='结果')),
                ('resolution', models.CharField(blank=True, choices=[('accept_ours', '以平台为准'), ('accept_theirs', '以礼品商为准（调账）'), ('write_off', '核销'), ('carry_forward', '转入下期')], max_length=20, verbose_name='处理')),
                ('resolved_at', models.DateTimeField(blank=True, null=True, verbose_name='处理时间')),
                ('note', models.CharField(blank=True, max_length=300, verbose_name='处理说明')),
                ('adjustment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='settlement.adjustment')),
                ('reconciliation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='lines', to='settlement.reconciliation')),
                ('resolved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('our_line', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='settlement.statementline')),
                ('note_params', models.JSONField(blank=True, null=True, verbose_name='处理说明参数')),
            ],
            options={
                'verbose_name': '对账明细',
                'verbose_name_plural': '对账明细',
                'ordering': ['reconciliation_id', 'row', 'id'],
                'indexes': [models.Index(fields=['reconciliation', 'category'], name='settlement__reconci_3308d7_idx')],
            },
        ),
        migrations.CreateModel(
            name='StatementVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField(verbose_name='版本')),
                ('deliveries', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=16, verbose_name='配送结算')),
                ('returns', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=16, verbose_name='退货冲减')),
                ('extra_costs', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=16, verbose_name='额外费用')),
                ('adjustments', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=16, verbose_name='调账')),
                ('carried_forward', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=16, verbose_name='上期结转')),
                ('payable', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=16, verbose_name='应付金额')),
                ('line_count', models.PositiveIntegerField(default=0, verbose_name='明细行数')),
                ('created_at', models.DateTimeField(verbose_name='生成时间')),
                ('issued_at', models.DateTimeField(blank=True, null=True, verbose_name='下发时间')),
                ('bank_name', models.CharField(blank=True, max_length=100, verbose_name='开户银行')),
                ('account_name', models.CharField(blank=True, max_length=200, verbose_name='账户名称')),
                ('account_number', models.CharField(blank=True, max_length=40, verbose_name='银行账号')),
                ('pdf', models.FileField(blank=True, upload_to='statements/%Y/%m/', verbose_name='结算单PDF')),
                ('pdf_sha256', models.CharField(blank=True, max_length=64, verbose_name='PDF SHA-256')),
                ('bank_account', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='suppliers.bankaccount')),
                ('issued_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('statement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='versions', to='settlement.statement')),
                ('reason', models.TextField(blank=True, verbose_name='下发说明')),
                ('pdf_queued_at', models.DateTimeField(blank=True, null=True, verbose_name='PDF 排队时间')),
                ('pdf_error', models.CharField(blank=True, max_length=500, verbose_name='PDF 生成错误')),
                ('pdf_failed_at', models.DateTimeField(blank=True, null=True, verbose_name='PDF 生成失败时间')),
                ('pdf_requeues', models.PositiveSmallIntegerField(default=0, verbose_name='PDF 重新排队次数')),
            ],
            options={
                'verbose_name': '结算单版本',
                'verbose_name_plural': '结算单版本',
                'ordering': ['statement_id', 'number'],
                'constraints': [models.UniqueConstraint(fields=('statement', 'number'), name='one_row_per_statement_version')],
            },
        ),
        migrations.AddField(
            model_name='reconciliation',
            name='version',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reconciliations', to='settlement.statementversion'),
        ),
        migrations.CreateModel(
            name='SuspensionProposal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(verbose_name='创建时间')),
                ('note', models.TextField(blank=True, verbose_name='决定说明')),
                ('state', models.CharField(choices=[('proposed', '待决定'), ('accepted', '已暂停合作'), ('dismissed', '不予暂停')], default='proposed', max_length=50, verbose_name='状态')),
                ('assessment', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='suspension_proposal', to='settlement.assessment')),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='suppliers.supplier')),
            ],
            options={
                'verbose_name': '暂停合作建议',
                'verbose_name_plural': '暂停合作建议',
                'ordering': ['-created_at', '-id'],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.AddIndex(
            model_name='adjustment',
            index=models.Index(fields=['state', 'decided_at'], name='settlement__state_c9edc5_idx'),
        ),
        migrations.AddConstraint(
            model_name='adjustment',
            constraint=models.CheckConstraint(condition=models.Q(('amount', 0), _negated=True), name='adjustment_not_zero'),
        ),
        migrations.AddConstraint(
            model_name='adjustment',
            constraint=models.CheckConstraint(condition=models.Q(('decided_by__isnull', True), models.Q(('decided_by', models.F('created_by')), _negated=True), _connector='OR'), name='adjustment_checker_is_not_maker'),
        ),
        migrations.RunPython(
            code=defaults,
            reverse_code=migrations.RunPython.noop,
        ),
    ]
