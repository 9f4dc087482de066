"""suppliers 0001–0014 in one migration, for a database created now (one migrating from before keeps running those).
The data fix of 0014 changes rows a new database does not have and is left out (elidable).

Its operations are the models as they stand at the end of the range, each created whole (fields, indexes and
constraints), the rows written by the range's seeds last: it creates the same tables as the range, and migrating
takes a fraction of the model renderings."""

import django.core.validators
import django.db.models.deletion
import django_fsm
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('suppliers', '0001_initial'), ('suppliers', '0002_category_gift_giftprice_location_and_more'), ('suppliers', '0003_category_required_certificates_bankaccount_contract_and_more'), ('suppliers', '0004_announcements'), ('suppliers', '0005_membership_state'), ('suppliers', '0006_notice_link'), ('suppliers', '0007_withdraw_revisions_and_profile_changes'), ('suppliers', '0008_location_return_address'), ('suppliers', '0009_membership_state_labels'), ('suppliers', '0010_profile_change_contact'), ('suppliers', '0011_notice_params'), ('suppliers', '0012_category_english_name'), ('suppliers', '0013_movement_note_params'), ('suppliers', '0014_own_warehouse_names')]

    dependencies = [
        ('core', '0002_programs'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Category',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=40, unique=True, verbose_name='代码')),
                ('name', models.CharField(max_length=60, verbose_name='名称')),
                ('required_certificates', models.JSONField(blank=True, default=list, help_text='该类礼品须具备的证书种类，如 ["3C"]', verbose_name='所需产品资质')),
                ('name_en', models.CharField(blank=True, max_length=60, verbose_name='英文名称')),
            ],
            options={
                'verbose_name': '礼品类别',
                'verbose_name_plural': '礼品类别',
                'ordering': ['code'],
            },
        ),
        migrations.CreateModel(
            name='Location',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=30, unique=True, verbose_name='代码')),
                ('name', models.CharField(max_length=100, verbose_name='名称')),
                ('kind', models.CharField(choices=[('warehouse', '物流仓'), ('dropship', '礼品商自有仓')], max_length=10, verbose_name='类型')),
                ('address', models.CharField(blank=True, max_length=300, verbose_name='收货地址')),
                ('contact_phone', models.CharField(blank=True, max_length=20, verbose_name='联系电话')),
            ],
            options={
                'verbose_name': '库位',
                'verbose_name_plural': '库位',
                'ordering': ['code'],
            },
        ),
        migrations.CreateModel(
            name='Supplier',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200, verbose_name='企业名称')),
                ('credit_code', models.CharField(max_length=18, verbose_name='统一社会信用代码')),
                ('contact_name', models.CharField(max_length=50, verbose_name='联系人')),
                ('contact_phone', models.CharField(max_length=20, verbose_name='联系电话')),
                ('contact_email', models.EmailField(blank=True, max_length=254, verbose_name='联系邮箱')),
                ('address', models.CharField(blank=True, max_length=300, verbose_name='地址')),
                ('state', models.CharField(choices=[('applied', '已申请'), ('under_review', '审核中'), ('active', '合作中'), ('suspended', '已暂停'), ('terminated', '已终止'), ('rejected', '已拒绝')], default='applied', max_length=50, verbose_name='状态')),
                ('applied_at', models.DateTimeField(verbose_name='申请时间')),
            ],
            options={
                'verbose_name': '礼品商',
                'verbose_name_plural': '礼品商',
                'ordering': ['id'],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='Announcement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('announcement', '公告'), ('meeting', '会议通知')], default='announcement', max_length=12, verbose_name='类型')),
                ('title', models.CharField(max_length=200, verbose_name='标题')),
                ('body', models.TextField(verbose_name='内容')),
                ('meeting_at', models.DateTimeField(blank=True, null=True, verbose_name='会议时间')),
                ('place', models.CharField(blank=True, max_length=200, verbose_name='会议地点')),
                ('agenda', models.TextField(blank=True, verbose_name='会议议程')),
                ('to_all', models.BooleanField(default=True, verbose_name='发给全部礼品商')),
                ('published_at', models.DateTimeField(verbose_name='发布时间')),
                ('published_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '公告',
                'verbose_name_plural': '公告',
                'ordering': ['-published_at', '-id'],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('kind', 'meeting'), _negated=True), ('meeting_at__isnull', False), _connector='OR'), name='meeting_has_a_time')],
            },
        ),
        migrations.CreateModel(
            name='Gift',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sku', models.CharField(max_length=60, verbose_name='SKU')),
                ('name', models.CharField(max_length=200, verbose_name='名称')),
                ('description', models.TextField(blank=True, verbose_name='描述')),
                ('images', models.JSONField(blank=True, default=list, verbose_name='图片')),
                ('specification', models.TextField(blank=True, verbose_name='规格')),
                ('warranty_text', models.TextField(blank=True, verbose_name='保修说明')),
                ('market_price', models.DecimalField(decimal_places=2, max_digits=12, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='市场价')),
                ('settlement_price', models.DecimalField(decimal_places=2, max_digits=12, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='结算价')),
                ('fulfilment', models.CharField(choices=[('warehouse', '物流仓发货'), ('dropship', '礼品商直发')], default='warehouse', max_length=10, verbose_name='履约方式')),
                ('min_tier', models.CharField(choices=[('standard', '普通'), ('silver', '银卡'), ('gold', '金卡'), ('diamond', '钻石卡')], default='standard', max_length=10, verbose_name='最低会员等级')),
                ('tier_discounts', models.JSONField(blank=True, default=dict, help_text='仅适用于全球通价格，如 {"gold": 5}', verbose_name='等级积分折扣（%）')),
                ('state', models.CharField(choices=[('draft', '草稿'), ('submitted', '待审核'), ('approved', '已审核'), ('rejected', '已驳回'), ('online', '已上线'), ('offline', '已下线'), ('clearance', '清仓促销'), ('retired', '已退市')], default='draft', max_length=50, verbose_name='状态')),
                ('delist_reason', models.CharField(blank=True, choices=[('supplier_request', '礼品商申请'), ('low_sales', '销量低'), ('quality', '质量问题'), ('qualification_expired', '资质过期'), ('supplier_suspended', '礼品商暂停'), ('other', '其他')], max_length=30, verbose_name='下线原因')),
                ('clearance_points_price', models.PositiveIntegerField(blank=True, null=True, verbose_name='清仓积分价')),
                ('clearance_settlement_price', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='清仓结算价')),
                ('publish_at', models.DateTimeField(blank=True, null=True, verbose_name='计划上线时间')),
                ('created_at', models.DateTimeField(verbose_name='创建时间')),
                ('category', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='gifts', to='suppliers.category', verbose_name='类别')),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='gifts', to='suppliers.supplier')),
            ],
            options={
                'verbose_name': '礼品',
                'verbose_name_plural': '礼品',
                'ordering': ['id'],
                'constraints': [models.UniqueConstraint(fields=('supplier', 'sku'), name='gift_sku_unique_per_supplier'), models.CheckConstraint(condition=models.Q(('settlement_price__gte', 0), ('market_price__gte', 0)), name='gift_prices_not_negative')],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='GiftPrice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('points_price', models.PositiveIntegerField(validators=[django.core.validators.MinValueValidator(1)], verbose_name='积分价')),
                ('gift', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='prices', to='suppliers.gift')),
                ('program', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.program')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('gift', 'program'), name='gift_price_once_per_program'), models.CheckConstraint(condition=models.Q(('points_price__gt', 0)), name='gift_points_price_positive')],
            },
        ),
        migrations.CreateModel(
            name='GiftRevision',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('changes', models.JSONField(help_text='字段 → 新值；points_prices 为 {计划: 积分}', verbose_name='修改内容')),
                ('requested_at', models.DateTimeField(verbose_name='提交时间')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='审核时间')),
                ('state', models.CharField(choices=[('pending', '待审核'), ('approved', '已通过'), ('rejected', '已驳回'), ('withdrawn', '已撤回')], default='pending', max_length=50, verbose_name='状态')),
                ('gift', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='revisions', to='suppliers.gift')),
                ('requested_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '礼品修改',
                'verbose_name_plural': '礼品修改',
                'ordering': ['-requested_at', '-id'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('state', 'pending')), fields=('gift',), name='one_pending_revision_per_gift')],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='ReplenishmentRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('quantity', models.PositiveIntegerField(verbose_name='建议补货数量')),
                ('raised_at', models.DateTimeField(verbose_name='发起时间')),
                ('due_date', models.DateField(verbose_name='截止日期')),
                ('met_at', models.DateTimeField(blank=True, null=True, verbose_name='完成时间')),
                ('state', models.CharField(choices=[('open', '待补货'), ('met', '已补货'), ('cancelled', '已取消')], default='open', max_length=50, verbose_name='状态')),
                ('gift', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='replenishment_requests', to='suppliers.gift')),
                ('location', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='suppliers.location')),
            ],
            options={
                'verbose_name': '补货申请',
                'verbose_name_plural': '补货申请',
                'ordering': ['due_date', 'id'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('state', 'open')), fields=('gift', 'location'), name='one_open_replenishment_per_gift_location')],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='StockMovement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('inbound', '入库'), ('reservation', '占用'), ('release', '释放'), ('shipment', '出库'), ('return_to_stock', '退货入库'), ('write_off', '报损'), ('collection', '礼品商取回'), ('correction', '盘点更正')], max_length=20, verbose_name='类型')),
                ('on_hand_delta', models.IntegerField(verbose_name='在库变化')),
                ('reserved_delta', models.IntegerField(verbose_name='占用变化')),
                ('at', models.DateTimeField(verbose_name='时间')),
                ('source_type', models.CharField(blank=True, max_length=40, verbose_name='来源类型')),
                ('source_id', models.CharField(blank=True, max_length=40, verbose_name='来源编号')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='备注')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('gift', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stock_movements', to='suppliers.gift')),
                ('location', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='suppliers.location')),
                ('note_params', models.JSONField(blank=True, null=True, verbose_name='备注参数')),
            ],
            options={
                'verbose_name': '库存变动',
                'verbose_name_plural': '库存变动',
                'ordering': ['-at', '-id'],
                'indexes': [models.Index(fields=['gift', 'location', 'at'], name='suppliers_s_gift_id_ed8fe8_idx')],
            },
        ),
        migrations.CreateModel(
            name='StockRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('on_hand', models.IntegerField(default=0, verbose_name='在库')),
                ('reserved', models.IntegerField(default=0, verbose_name='已占用')),
                ('safety_stock', models.PositiveIntegerField(default=0, verbose_name='安全库存')),
                ('gift', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stock_records', to='suppliers.gift')),
                ('location', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='stock_records', to='suppliers.location')),
            ],
            options={
                'verbose_name': '库存',
                'verbose_name_plural': '库存',
                'ordering': ['gift_id', 'location_id'],
                'constraints': [models.UniqueConstraint(fields=('gift', 'location'), name='stock_once_per_gift_location'), models.CheckConstraint(condition=models.Q(('on_hand__gte', 0)), name='stock_on_hand_not_negative'), models.CheckConstraint(condition=models.Q(('reserved__gte', 0)), name='stock_reserved_not_negative'), models.CheckConstraint(condition=models.Q(('reserved__lte', models.F('on_hand'))), name='stock_reserved_within_on_hand')],
            },
        ),
        migrations.CreateModel(
            name='Qualification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('business_licence', '营业执照'), ('product_certificate', '产品资质证书')], max_length=20, verbose_name='类型')),
                ('certificate_type', models.CharField(blank=True, help_text='如 3C、食品生产许可', max_length=40, verbose_name='证书种类')),
                ('number', models.CharField(max_length=60, verbose_name='证书编号')),
                ('issued_on', models.DateField(verbose_name='发证日期')),
                ('expires_on', models.DateField(verbose_name='有效期至')),
                ('file', models.FileField(upload_to='qualifications/', verbose_name='证书文件')),
                ('uploaded_at', models.DateTimeField(verbose_name='上传时间')),
                ('warned_at', models.DateTimeField(blank=True, null=True, verbose_name='到期提醒时间')),
                ('expiry_handled_at', models.DateTimeField(blank=True, null=True, verbose_name='过期处理时间')),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='qualifications', to='suppliers.supplier')),
            ],
            options={
                'verbose_name': '资质',
                'verbose_name_plural': '资质',
                'ordering': ['kind', 'certificate_type', '-expires_on'],
                'constraints': [models.CheckConstraint(condition=models.Q(('expires_on__gt', models.F('issued_on'))), name='qualification_expires_after_issue'), models.CheckConstraint(condition=models.Q(('kind', 'business_licence'), models.Q(('certificate_type', ''), _negated=True), _connector='OR'), name='product_certificate_has_type')],
            },
        ),
        migrations.CreateModel(
            name='ProfileChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('field', models.CharField(choices=[('bank_account', '收款账户'), ('legal_name', '企业名称'), ('credit_code', '统一社会信用代码'), ('contact', '联系人')], max_length=20, verbose_name='变更项')),
                ('old_value', models.JSONField(default=dict, verbose_name='原值')),
                ('new_value', models.JSONField(verbose_name='新值')),
                ('requested_at', models.DateTimeField(verbose_name='申请时间')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='审核时间')),
                ('state', models.CharField(choices=[('pending', '待审核'), ('approved', '已通过'), ('rejected', '已驳回'), ('withdrawn', '已撤回')], default='pending', max_length=50, verbose_name='状态')),
                ('requested_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='profile_changes', to='suppliers.supplier')),
            ],
            options={
                'verbose_name': '资料变更',
                'verbose_name_plural': '资料变更',
                'ordering': ['-requested_at', '-id'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('state', 'pending')), fields=('supplier', 'field'), name='one_pending_change_per_field')],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='Notice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=40, verbose_name='类型')),
                ('title', models.CharField(max_length=200, verbose_name='标题')),
                ('body', models.TextField(blank=True, verbose_name='内容')),
                ('created_at', models.DateTimeField(verbose_name='时间')),
                ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='阅读时间')),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notices', to='suppliers.supplier')),
                ('link', models.CharField(blank=True, max_length=300, verbose_name='链接')),
                ('params', models.JSONField(blank=True, default=dict, verbose_name='参数')),
            ],
            options={
                'verbose_name': '站内通知',
                'verbose_name_plural': '站内通知',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.AddField(
            model_name='location',
            name='supplier',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='dropship_location', to='suppliers.supplier'),
        ),
        migrations.CreateModel(
            name='Contract',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=60, verbose_name='合同编号')),
                ('start_date', models.DateField(verbose_name='开始日期')),
                ('end_date', models.DateField(verbose_name='结束日期')),
                ('payment_days', models.PositiveSmallIntegerField(verbose_name='付款账期（天）')),
                ('deposit_amount', models.DecimalField(decimal_places=2, max_digits=12, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='履约保证金')),
                ('file', models.FileField(blank=True, upload_to='contracts/', verbose_name='合同文件')),
                ('state', models.CharField(choices=[('pending', '待审核'), ('approved', '已生效'), ('rejected', '已驳回')], default='pending', max_length=50, verbose_name='状态')),
                ('created_at', models.DateTimeField(verbose_name='创建时间')),
                ('programs', models.ManyToManyField(related_name='+', to='core.program', verbose_name='服务的积分计划')),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='contracts', to='suppliers.supplier')),
            ],
            options={
                'verbose_name': '合同',
                'verbose_name_plural': '合同',
                'ordering': ['-start_date', '-id'],
                'constraints': [models.UniqueConstraint(fields=('supplier', 'number'), name='contract_number_unique_per_supplier'), models.CheckConstraint(condition=models.Q(('end_date__gt', models.F('start_date'))), name='contract_ends_after_it_starts'), models.CheckConstraint(condition=models.Q(('deposit_amount__gte', 0)), name='contract_deposit_not_negative')],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='BankAccount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('bank_name', models.CharField(max_length=100, verbose_name='开户行')),
                ('account_name', models.CharField(max_length=200, verbose_name='户名')),
                ('account_number', models.CharField(max_length=40, verbose_name='账号')),
                ('approved_at', models.DateTimeField(verbose_name='审核通过时间')),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='bank_accounts', to='suppliers.supplier')),
            ],
            options={
                'verbose_name': '收款账户',
                'verbose_name_plural': '收款账户',
                'ordering': ['-approved_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='AnnouncementDelivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='阅读时间')),
                ('acknowledged_at', models.DateTimeField(blank=True, null=True, verbose_name='确认时间')),
                ('acknowledged_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('announcement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='suppliers.announcement')),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='announcements', to='suppliers.supplier')),
            ],
            options={
                'verbose_name': '公告送达',
                'verbose_name_plural': '公告送达',
                'ordering': ['-announcement__published_at', '-id'],
                'indexes': [models.Index(fields=['supplier', 'acknowledged_at'], name='suppliers_a_supplie_55e8b6_idx')],
                'constraints': [models.UniqueConstraint(fields=('announcement', 'supplier'), name='announcement_once_per_supplier')],
            },
        ),
        migrations.CreateModel(
            name='SupplierMembership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='suppliers.supplier')),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='supplier_membership', to=settings.AUTH_USER_MODEL)),
                ('state', models.CharField(choices=[('active', '已启用'), ('disabled', '已停用')], default='active', max_length=50, verbose_name='状态')),
            ],
            options={
                'verbose_name': '礼品商用户',
                'verbose_name_plural': '礼品商用户',
            },
        ),
        migrations.AddConstraint(
            model_name='location',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'warehouse'), ('supplier__isnull', True)), models.Q(('kind', 'dropship'), ('supplier__isnull', False)), _connector='OR'), name='location_dropship_has_supplier'),
        ),
    ]
