from django.db import migrations, models
from django.db.models.functions import Now


def existing_workspaces_count_as_verified(apps, schema_editor):
    """Workspaces from before the rule keep inviting: their owners were never asked."""
    Tenant = apps.get_model("tenants", "Tenant")
    Tenant.objects.filter(kind="active", owner_verified_at__isnull=True).update(
        owner_verified_at=Now()
    )


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="tenant",
            name="owner_verified_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="owner e-mail confirmed"
            ),
        ),
        migrations.RunPython(existing_workspaces_count_as_verified, migrations.RunPython.noop),
    ]
