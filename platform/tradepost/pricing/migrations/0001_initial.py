"""The pricing models as they were in `sales` (migrations 0001–0002 there created their
tables). State only: the tables keep their names (`db_table`), so no row moves;
`sales.0003_split_by_domain` then drops the models from the sales state and moves
their content types, permissions and audit entries to this app."""


import django.core.validators
from decimal import Decimal
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('sales', '0002_order_date_index'),
        ('customers', '0002_contact_primary_checked_at_commit'),
        ('masterdata', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Promotion',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200, verbose_name='name')),
                        ('kind', models.CharField(choices=[('percent_off', 'Percent off'), ('amount_off', 'Amount off per unit'), ('buy_x_get_y', 'Buy X get Y free'), ('tiered_price', 'Tiered quantity price')], max_length=20, verbose_name='type')),
                        ('percent', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('100'))], verbose_name='percent off')),
                        ('amount', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='amount off per unit')),
                        ('buy_quantity', models.PositiveIntegerField(blank=True, null=True, verbose_name='buy (X)')),
                        ('free_quantity', models.PositiveIntegerField(blank=True, null=True, verbose_name='get free (Y)')),
                        ('tiers', models.JSONField(blank=True, default=list, verbose_name='tiers')),
                        ('currency', models.CharField(blank=True, choices=[('CNY', 'Chinese yuan (CNY)'), ('HKD', 'Hong Kong dollar (HKD)'), ('USD', 'US dollar (USD)'), ('EUR', 'Euro (EUR)'), ('GBP', 'Pound sterling (GBP)'), ('JPY', 'Japanese yen (JPY)'), ('KRW', 'South Korean won (KRW)'), ('SGD', 'Singapore dollar (SGD)'), ('TWD', 'New Taiwan dollar (TWD)'), ('AUD', 'Australian dollar (AUD)')], help_text='For amounts and tier prices: applies only to orders in this currency.', max_length=3, verbose_name='currency')),
                        ('starts_on', models.DateField(verbose_name='starts on')),
                        ('ends_on', models.DateField(verbose_name='ends on')),
                        ('channels', models.JSONField(blank=True, default=list, verbose_name='channels')),
                        ('priority', models.PositiveSmallIntegerField(default=0, help_text='When two promotions give the same discount, the higher priority wins.', verbose_name='priority')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('updated_at', models.DateTimeField(auto_now=True, db_index=True, verbose_name='updated')),
                        ('categories', models.ManyToManyField(blank=True, related_name='promotions', to='masterdata.productcategory', verbose_name='categories')),
                        ('customer_groups', models.ManyToManyField(blank=True, related_name='promotions', to='customers.customergroup', verbose_name='customer groups')),
                        ('products', models.ManyToManyField(blank=True, related_name='promotions', to='masterdata.product', verbose_name='products')),
                    ],
                    options={
                        'verbose_name': 'promotion',
                        'verbose_name_plural': 'promotions',
                        'db_table': 'sales_promotion',
                        'ordering': ['-starts_on', 'name', 'pk'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('ends_on__gte', models.F('starts_on'))), name='promotion_dates_in_order')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
