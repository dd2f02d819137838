"""Locations (warehouses, stores) and suppliers; products learn whether they track
stock and lots.

Products that exist before this migration keep selling as before: they are added with
stock tracking off (their workspace has no stock yet, and reserving would refuse every
order); the owner switches it on per product once opening stock is in. New products
track stock by default. Every workspace gets a "Main warehouse", the workspace-wide
default location, so a new workspace can receive and ship at once.
"""

import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models


def main_warehouse_create(apps, schema_editor):
    """The workspace-wide default location (no branch), where stock lives until the
    company adds its own warehouses and stores."""
    Location = apps.get_model("masterdata", "Location")
    if not Location.objects.exists():
        Location.objects.create(name="Main warehouse", code="WH", is_default=True)


class Migration(migrations.Migration):

    dependencies = [
        ('masterdata', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='product',
            name='lot_tracked',
            field=models.BooleanField(default=False, help_text='Every receipt and delivery names a lot number with its expiry date.', verbose_name='lots and expiry'),
        ),
        migrations.AddField(
            model_name='product',
            name='tracks_stock',
            field=models.BooleanField(default=False, help_text='Confirmed orders reserve it and deliveries issue it from a warehouse. Off for services and goods you do not keep in stock.', verbose_name='track stock'),
        ),
        migrations.CreateModel(
            name='Supplier',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('code', models.CharField(blank=True, max_length=40, verbose_name='code')),
                ('contact_name', models.CharField(blank=True, max_length=150, verbose_name='contact')),
                ('phone', models.CharField(blank=True, max_length=50, verbose_name='phone')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='e-mail address')),
                ('address', models.TextField(blank=True, verbose_name='address')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('updated_at', models.DateTimeField(auto_now=True, db_index=True, verbose_name='updated')),
            ],
            options={
                'verbose_name': 'supplier',
                'verbose_name_plural': 'suppliers',
                'ordering': ['name', 'pk'],
                'constraints': [models.UniqueConstraint(django.db.models.functions.text.Lower('code'), condition=models.Q(('code', ''), _negated=True), name='supplier_unique_code')],
            },
        ),
        migrations.CreateModel(
            name='Location',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=150, verbose_name='name')),
                ('code', models.CharField(max_length=40, verbose_name='code')),
                ('kind', models.CharField(choices=[('warehouse', 'Warehouse'), ('store', 'Store')], default='warehouse', max_length=20, verbose_name='type')),
                ('address', models.TextField(blank=True, verbose_name='address')),
                ('is_default', models.BooleanField(default=False, help_text="Orders of the branch's customers ship from here.", verbose_name='branch default')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('updated_at', models.DateTimeField(auto_now=True, db_index=True, verbose_name='updated')),
                ('branch', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='locations', to='masterdata.branch', verbose_name='branch')),
            ],
            options={
                'verbose_name': 'location',
                'verbose_name_plural': 'locations',
                'ordering': ['name', 'pk'],
                'constraints': [models.UniqueConstraint(django.db.models.functions.text.Lower('code'), name='location_unique_code'), models.UniqueConstraint(models.F('branch'), condition=models.Q(('branch__isnull', False), ('is_default', True)), name='location_one_default_per_branch'), models.UniqueConstraint(models.F('is_default'), condition=models.Q(('branch__isnull', True), ('is_default', True)), name='location_one_workspace_default')],
            },
        ),
        migrations.AlterField(
            model_name='product',
            name='tracks_stock',
            field=models.BooleanField(default=True, help_text='Confirmed orders reserve it and deliveries issue it from a warehouse. Off for services and goods you do not keep in stock.', verbose_name='track stock'),
        ),
        migrations.RunPython(main_warehouse_create, migrations.RunPython.noop),
    ]
