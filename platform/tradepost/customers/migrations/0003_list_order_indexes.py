# The lists' default order (name, then id) read off an index: a page of 50 out of
# 100,000 customers no longer sorts the whole table.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_contact_primary_checked_at_commit"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(fields=["name", "id"], name="contact_name_id"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["name", "id"], name="customer_name_id"),
        ),
    ]
