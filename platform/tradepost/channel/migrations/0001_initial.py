"""The channel models as they were in `sales` (migrations 0001–0002 there created their
tables). State only: the tables keep their names (`db_table`), so no row moves;
`sales.0003_split_by_domain` then drops the models from the sales state and moves
their content types, permissions and audit entries to this app."""


import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('sales', '0002_order_date_index'),
        ('customers', '0002_contact_primary_checked_at_commit'),
        ('masterdata', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Agreement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.CharField(max_length=40, unique=True, verbose_name='number')),
                        ('name', models.CharField(max_length=200, verbose_name='name')),
                        ('currency', models.CharField(choices=[('CNY', 'Chinese yuan (CNY)'), ('HKD', 'Hong Kong dollar (HKD)'), ('USD', 'US dollar (USD)'), ('EUR', 'Euro (EUR)'), ('GBP', 'Pound sterling (GBP)'), ('JPY', 'Japanese yen (JPY)'), ('KRW', 'South Korean won (KRW)'), ('SGD', 'Singapore dollar (SGD)'), ('TWD', 'New Taiwan dollar (TWD)'), ('AUD', 'Australian dollar (AUD)')], default='CNY', max_length=3, verbose_name='currency')),
                        ('starts_on', models.DateField(verbose_name='starts on')),
                        ('ends_on', models.DateField(verbose_name='ends on')),
                        ('status', models.CharField(choices=[('draft', 'Draft'), ('active', 'Active'), ('closed', 'Closed')], default='draft', max_length=20, verbose_name='status')),
                        ('notes', models.TextField(blank=True, verbose_name='notes')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('updated_at', models.DateTimeField(auto_now=True, db_index=True, verbose_name='updated')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                        ('customer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='agreements', to='customers.customer', verbose_name='customer')),
                    ],
                    options={
                        'verbose_name': 'agreement',
                        'verbose_name_plural': 'agreements',
                        'db_table': 'sales_agreement',
                        'ordering': ['-starts_on', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='AgreementLine',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('unit_price', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='agreed unit price')),
                        ('max_quantity', models.DecimalField(blank=True, decimal_places=3, help_text='Most that all orders under the agreement may order; empty: no cap.', max_digits=12, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='quantity cap')),
                        ('agreement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='channel.agreement', verbose_name='agreement')),
                        ('product', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='masterdata.product', verbose_name='product')),
                    ],
                    options={
                        'verbose_name': 'agreement line',
                        'verbose_name_plural': 'agreement lines',
                        'db_table': 'sales_agreementline',
                        'ordering': ['pk'],
                    },
                ),
                migrations.CreateModel(
                    name='DealerStockReport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('quantity', models.DecimalField(decimal_places=3, default=Decimal('0'), max_digits=12, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='quantity on hand')),
                        ('as_of', models.DateField(verbose_name='as of')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='reported')),
                        ('dealer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stock_reports', to='customers.customer', verbose_name='dealer')),
                        ('product', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='masterdata.product', verbose_name='product')),
                        ('reported_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='reported by')),
                    ],
                    options={
                        'verbose_name': 'dealer stock report',
                        'verbose_name_plural': 'dealer stock reports',
                        'db_table': 'sales_dealerstockreport',
                        'ordering': ['-as_of', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='DemandPlan',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('month', models.DateField(help_text='The first day of the planned month.', verbose_name='month')),
                        ('status', models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('accepted', 'Accepted'), ('returned', 'Returned for changes')], db_index=True, default='draft', max_length=20, verbose_name='status')),
                        ('notes', models.TextField(blank=True, verbose_name='notes')),
                        ('review_comment', models.TextField(blank=True, verbose_name='review comment')),
                        ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='submitted')),
                        ('reviewed_at', models.DateTimeField(blank=True, null=True, verbose_name='reviewed')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('updated_at', models.DateTimeField(auto_now=True, db_index=True, verbose_name='updated')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                        ('dealer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='demand_plans', to='customers.customer', verbose_name='dealer')),
                        ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='reviewed by')),
                    ],
                    options={
                        'verbose_name': 'demand plan',
                        'verbose_name_plural': 'demand plans',
                        'db_table': 'sales_demandplan',
                        'ordering': ['-month', 'dealer__name', 'pk'],
                        'permissions': [('review_demandplan', 'Can accept or return demand plans')],
                    },
                ),
                migrations.CreateModel(
                    name='DemandPlanLine',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('quantity', models.DecimalField(decimal_places=3, default=Decimal('0'), max_digits=12, validators=[django.core.validators.MinValueValidator(Decimal('0.001'))], verbose_name='quantity')),
                        ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='channel.demandplan', verbose_name='plan')),
                        ('product', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='masterdata.product', verbose_name='product')),
                    ],
                    options={
                        'verbose_name': 'demand plan line',
                        'verbose_name_plural': 'demand plan lines',
                        'db_table': 'sales_demandplanline',
                        'ordering': ['pk'],
                    },
                ),
                migrations.CreateModel(
                    name='PriceAdjustment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.CharField(max_length=40, unique=True, verbose_name='number')),
                        ('old_price', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='old price')),
                        ('new_price', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='new price')),
                        ('currency', models.CharField(choices=[('CNY', 'Chinese yuan (CNY)'), ('HKD', 'Hong Kong dollar (HKD)'), ('USD', 'US dollar (USD)'), ('EUR', 'Euro (EUR)'), ('GBP', 'Pound sterling (GBP)'), ('JPY', 'Japanese yen (JPY)'), ('KRW', 'South Korean won (KRW)'), ('SGD', 'Singapore dollar (SGD)'), ('TWD', 'New Taiwan dollar (TWD)'), ('AUD', 'Australian dollar (AUD)')], default='CNY', max_length=3, verbose_name='currency')),
                        ('effective_on', models.DateField(verbose_name='effective on')),
                        ('basis', models.CharField(choices=[('reported_stock', "Dealers' reported stock"), ('deliveries', 'Deliveries in a window')], max_length=20, verbose_name='basis')),
                        ('window_days', models.PositiveSmallIntegerField(default=30, help_text='For deliveries: goods delivered this many days before the change.', validators=[django.core.validators.MaxValueValidator(366)], verbose_name='window (days)')),
                        ('status', models.CharField(choices=[('draft', 'Draft'), ('approved', 'Approved'), ('posted', 'Posted'), ('cancelled', 'Cancelled')], db_index=True, default='draft', max_length=20, verbose_name='status')),
                        ('notes', models.TextField(blank=True, verbose_name='notes')),
                        ('total', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, verbose_name='total credit')),
                        ('reviewed_at', models.DateTimeField(blank=True, null=True, verbose_name='reviewed')),
                        ('posted_at', models.DateTimeField(blank=True, null=True, verbose_name='posted')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('updated_at', models.DateTimeField(auto_now=True, db_index=True, verbose_name='updated')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                        ('product', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='price_adjustments', to='masterdata.product', verbose_name='product')),
                        ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='reviewed by')),
                    ],
                    options={
                        'verbose_name': 'price adjustment',
                        'verbose_name_plural': 'price adjustments',
                        'db_table': 'sales_priceadjustment',
                        'ordering': ['-effective_on', '-pk'],
                        'permissions': [('review_priceadjustment', 'Can approve price adjustments'), ('post_priceadjustment', 'Can post price-adjustment credits')],
                    },
                ),
                migrations.CreateModel(
                    name='PriceAdjustmentLine',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('quantity', models.DecimalField(decimal_places=3, default=Decimal('0'), max_digits=12, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='quantity held')),
                        ('unit_difference', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, verbose_name='difference per unit')),
                        ('amount', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, verbose_name='credit')),
                        ('source', models.CharField(blank=True, max_length=200, verbose_name='from')),
                        ('adjustment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='channel.priceadjustment', verbose_name='adjustment')),
                        ('dealer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='customers.customer', verbose_name='dealer')),
                    ],
                    options={
                        'verbose_name': 'price adjustment line',
                        'verbose_name_plural': 'price adjustment lines',
                        'db_table': 'sales_priceadjustmentline',
                        'ordering': ['dealer__name', 'pk'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='agreement',
                    constraint=models.CheckConstraint(condition=models.Q(('ends_on__gte', models.F('starts_on'))), name='agreement_dates_in_order'),
                ),
                migrations.AddConstraint(
                    model_name='agreementline',
                    constraint=models.UniqueConstraint(fields=('agreement', 'product'), name='agreementline_one_per_product'),
                ),
                migrations.AddConstraint(
                    model_name='dealerstockreport',
                    constraint=models.UniqueConstraint(fields=('dealer', 'product', 'as_of'), name='dealerstock_one_per_day'),
                ),
                migrations.AddConstraint(
                    model_name='dealerstockreport',
                    constraint=models.CheckConstraint(condition=models.Q(('quantity__gte', 0)), name='dealerstock_not_negative'),
                ),
                migrations.AddConstraint(
                    model_name='demandplan',
                    constraint=models.UniqueConstraint(fields=('dealer', 'month'), name='demandplan_one_per_month'),
                ),
                migrations.AddConstraint(
                    model_name='demandplan',
                    constraint=models.CheckConstraint(condition=models.Q(('month__day', 1)), name='demandplan_month_first_day'),
                ),
                migrations.AddConstraint(
                    model_name='demandplanline',
                    constraint=models.UniqueConstraint(fields=('plan', 'product'), name='demandplanline_one_product'),
                ),
                migrations.AddConstraint(
                    model_name='priceadjustment',
                    constraint=models.CheckConstraint(condition=models.Q(('new_price__lt', models.F('old_price'))), name='priceadjustment_is_a_drop'),
                ),
                migrations.AddConstraint(
                    model_name='priceadjustmentline',
                    constraint=models.UniqueConstraint(fields=('adjustment', 'dealer'), name='priceadjustmentline_one_per_dealer'),
                ),
            ],
            database_operations=[],
        ),
    ]
