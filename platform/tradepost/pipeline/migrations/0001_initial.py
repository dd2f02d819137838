"""The pipeline models as they were in `sales` (migrations 0001–0002 there created their
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
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='StageProbability',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('stage', models.CharField(choices=[('prospect', 'Prospect'), ('interest', 'Interest'), ('diagnosis', 'Diagnosis'), ('vision', 'Vision'), ('proposal', 'Proposal'), ('negotiation', 'Negotiation'), ('won', 'Won'), ('lost', 'Lost')], max_length=20, unique=True, verbose_name='stage')),
                        ('probability', models.PositiveSmallIntegerField(validators=[django.core.validators.MaxValueValidator(100)], verbose_name='probability (%)')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                    ],
                    options={
                        'verbose_name': 'stage probability',
                        'verbose_name_plural': 'stage probabilities',
                        'db_table': 'sales_stageprobability',
                        'constraints': [models.CheckConstraint(condition=models.Q(('probability__lte', 100)), name='stageprobability_percent')],
                    },
                ),
                migrations.CreateModel(
                    name='Opportunity',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200, verbose_name='name')),
                        ('stage', models.CharField(choices=[('prospect', 'Prospect'), ('interest', 'Interest'), ('diagnosis', 'Diagnosis'), ('vision', 'Vision'), ('proposal', 'Proposal'), ('negotiation', 'Negotiation'), ('won', 'Won'), ('lost', 'Lost')], db_index=True, default='prospect', max_length=20, verbose_name='stage')),
                        ('amount', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='amount')),
                        ('currency', models.CharField(choices=[('CNY', 'Chinese yuan (CNY)'), ('HKD', 'Hong Kong dollar (HKD)'), ('USD', 'US dollar (USD)'), ('EUR', 'Euro (EUR)'), ('GBP', 'Pound sterling (GBP)'), ('JPY', 'Japanese yen (JPY)'), ('KRW', 'South Korean won (KRW)'), ('SGD', 'Singapore dollar (SGD)'), ('TWD', 'New Taiwan dollar (TWD)'), ('AUD', 'Australian dollar (AUD)')], default='CNY', max_length=3, verbose_name='currency')),
                        ('expected_close', models.DateField(blank=True, null=True, verbose_name='expected close')),
                        ('close_reason', models.CharField(blank=True, max_length=300, verbose_name='won / lost reason')),
                        ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed')),
                        ('next_step', models.CharField(blank=True, max_length=300, verbose_name='next step')),
                        ('follow_up_on', models.DateField(blank=True, help_text='After a win: when to check back with the customer.', null=True, verbose_name='follow up on')),
                        ('notes', models.TextField(blank=True, verbose_name='notes')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('updated_at', models.DateTimeField(auto_now=True, db_index=True, verbose_name='updated')),
                        ('customer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='opportunities', to='customers.customer', verbose_name='customer')),
                        ('owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='opportunities', to=settings.AUTH_USER_MODEL, verbose_name='owner')),
                    ],
                    options={
                        'verbose_name': 'opportunity',
                        'verbose_name_plural': 'opportunities',
                        'db_table': 'sales_opportunity',
                        'ordering': ['-updated_at', '-pk'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('amount__gte', 0)), name='opportunity_amount_not_negative')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
