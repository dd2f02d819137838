"""SavedFilter now belongs to the workspace app (workspace 0001 took the table over)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_list_order_indexes"),
        ("workspace", "0001_saved_filters_of_every_list"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SavedFilter")],
            database_operations=[],
        ),
    ]
