# Customers list in pinyin order: `name_sort` holds the name's pinyin sort key
# (`tradepost.collation`), filled here for the customers there are, and the lists'
# index moves from (name, id) to (name_sort, id).

from django.db import migrations, models

from tradepost.collation import name_sort_key

BATCH = 2000


def fill_name_sort(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    changed = []
    for customer in Customer.objects.only("pk", "name").iterator(chunk_size=BATCH):
        customer.name_sort = name_sort_key(customer.name)
        changed.append(customer)
        if len(changed) >= BATCH:
            Customer.objects.bulk_update(changed, ["name_sort"])
            changed = []
    Customer.objects.bulk_update(changed, ["name_sort"])


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0004_saved_filters_move_to_workspace"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="customer",
            options={
                "ordering": ["name_sort", "pk"],
                "permissions": [
                    ("change_credit_terms", "Can change credit limits and payment terms")
                ],
                "verbose_name": "customer",
                "verbose_name_plural": "customers",
            },
        ),
        migrations.AddField(
            model_name="customer",
            name="name_sort",
            field=models.CharField(db_collation="C", default="", editable=False, max_length=600),
        ),
        migrations.RunPython(fill_name_sort, migrations.RunPython.noop, elidable=True),
        migrations.RemoveIndex(model_name="customer", name="customer_name_id"),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["name_sort", "id"], name="customer_name_sort_id"),
        ),
    ]
