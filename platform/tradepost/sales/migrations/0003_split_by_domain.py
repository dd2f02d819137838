"""Split of sales by domain: the pipeline, promotion and channel models now belong to
the `pipeline`, `pricing` and `channel` apps (their migrations 0001 take them over).

State only for the schema: every table keeps its name, foreign keys from quotes,
orders, lines and credits now point at the models in their new apps. The data step
renames the moved models' content types (so permissions, the role groups and any
group an administrator made keep them) and the audit log's target types, in every
schema `migrate_schemas` runs this in. Reversible."""


import django.db.models.deletion
from django.db import migrations, models

# model name → its new app label (the old one is "sales")
MOVED = {
    "opportunity": "pipeline",
    "stageprobability": "pipeline",
    "promotion": "pricing",
    "agreement": "channel",
    "agreementline": "channel",
    "dealerstockreport": "channel",
    "demandplan": "channel",
    "demandplanline": "channel",
    "priceadjustment": "channel",
    "priceadjustmentline": "channel",
}


def _move_labels(apps, schema_editor, *, forward: bool) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    db = schema_editor.connection.alias
    for model, app in MOVED.items():
        old, new = ("sales", app) if forward else (app, "sales")
        # A content type already under the new label (none, unless someone ran
        # post_migrate with the new code first) holds no permission anyone was given:
        # the old one, with the granted permissions, wins.
        if ContentType.objects.using(db).filter(app_label=old, model=model).exists():
            ContentType.objects.using(db).filter(app_label=new, model=model).delete()
            ContentType.objects.using(db).filter(app_label=old, model=model).update(
                app_label=new
            )
        AuditEntry.objects.using(db).filter(target_type=f"{old}.{model}").update(
            target_type=f"{new}.{model}"
        )


def move_labels_forward(apps, schema_editor) -> None:
    _move_labels(apps, schema_editor, forward=True)


def move_labels_back(apps, schema_editor) -> None:
    _move_labels(apps, schema_editor, forward=False)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('channel', '0001_initial'),
        ('pipeline', '0001_initial'),
        ('pricing', '0001_initial'),
        ('sales', '0002_order_date_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='agreement',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='agreement',
                    name='customer',
                ),
                migrations.AlterField(
                    model_name='order',
                    name='agreement',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='orders', to='channel.agreement', verbose_name='agreement'),
                ),
                migrations.RemoveField(
                    model_name='agreementline',
                    name='agreement',
                ),
                migrations.RemoveField(
                    model_name='agreementline',
                    name='product',
                ),
                migrations.RemoveField(
                    model_name='dealerstockreport',
                    name='dealer',
                ),
                migrations.RemoveField(
                    model_name='dealerstockreport',
                    name='product',
                ),
                migrations.RemoveField(
                    model_name='dealerstockreport',
                    name='reported_by',
                ),
                migrations.RemoveField(
                    model_name='demandplan',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='demandplan',
                    name='dealer',
                ),
                migrations.RemoveField(
                    model_name='demandplan',
                    name='reviewed_by',
                ),
                migrations.RemoveField(
                    model_name='demandplanline',
                    name='plan',
                ),
                migrations.RemoveField(
                    model_name='demandplanline',
                    name='product',
                ),
                migrations.RemoveField(
                    model_name='opportunity',
                    name='customer',
                ),
                migrations.RemoveField(
                    model_name='opportunity',
                    name='owner',
                ),
                migrations.AlterField(
                    model_name='quote',
                    name='opportunity',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='quotes', to='pipeline.opportunity', verbose_name='opportunity'),
                ),
                migrations.RemoveField(
                    model_name='priceadjustment',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='priceadjustment',
                    name='product',
                ),
                migrations.RemoveField(
                    model_name='priceadjustment',
                    name='reviewed_by',
                ),
                migrations.RemoveField(
                    model_name='priceadjustmentline',
                    name='adjustment',
                ),
                migrations.AlterField(
                    model_name='settlementcredit',
                    name='price_adjustment',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='credits', to='channel.priceadjustment', verbose_name='price adjustment'),
                ),
                migrations.RemoveField(
                    model_name='priceadjustmentline',
                    name='dealer',
                ),
                migrations.RemoveField(
                    model_name='promotion',
                    name='categories',
                ),
                migrations.RemoveField(
                    model_name='promotion',
                    name='customer_groups',
                ),
                migrations.RemoveField(
                    model_name='promotion',
                    name='products',
                ),
                migrations.AlterField(
                    model_name='orderline',
                    name='promotion',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='pricing.promotion', verbose_name='promotion'),
                ),
                migrations.AlterField(
                    model_name='quoteline',
                    name='promotion',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='pricing.promotion', verbose_name='promotion'),
                ),
                migrations.DeleteModel(
                    name='StageProbability',
                ),
                migrations.DeleteModel(
                    name='Agreement',
                ),
                migrations.DeleteModel(
                    name='AgreementLine',
                ),
                migrations.DeleteModel(
                    name='DealerStockReport',
                ),
                migrations.DeleteModel(
                    name='DemandPlan',
                ),
                migrations.DeleteModel(
                    name='DemandPlanLine',
                ),
                migrations.DeleteModel(
                    name='Opportunity',
                ),
                migrations.DeleteModel(
                    name='PriceAdjustment',
                ),
                migrations.DeleteModel(
                    name='PriceAdjustmentLine',
                ),
                migrations.DeleteModel(
                    name='Promotion',
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_labels_forward, move_labels_back),
    ]
