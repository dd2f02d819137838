"""Saved filters move from the customers app to the workspace (any list page may keep
them): the table keeps its name, gains `list` (existing rows are the customer list's)
and its unique name per user becomes unique per user and list."""

import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


def rename_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label="workspace", model="savedfilter").exists():
        ContentType.objects.using(db).filter(app_label="customers", model="savedfilter").update(
            app_label="workspace"
        )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0002_contact_primary_checked_at_commit"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SavedFilter",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=80, verbose_name="name")),
                        ("query", models.CharField(blank=True, max_length=2000, verbose_name="filter")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="saved_filters", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "saved filter",
                        "verbose_name_plural": "saved filters",
                        "ordering": ["name", "pk"],
                        "db_table": "customers_savedfilter",
                        "constraints": [
                            models.UniqueConstraint("user", django.db.models.functions.text.Lower("name"), name="savedfilter_unique_name_per_user")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="savedfilter",
            name="list",
            field=models.CharField(default="customers", max_length=40, verbose_name="list"),
        ),
        migrations.RemoveConstraint(model_name="savedfilter", name="savedfilter_unique_name_per_user"),
        migrations.AddConstraint(
            model_name="savedfilter",
            constraint=models.UniqueConstraint("user", "list", django.db.models.functions.text.Lower("name"), name="savedfilter_unique_name_per_user_list"),
        ),
        migrations.RunPython(rename_content_type, migrations.RunPython.noop),
    ]
