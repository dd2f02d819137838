"""The documents of the records that existed before global search."""

from django.db import migrations


def fill(apps, schema_editor):
    from tradepost.search.documents import rebuild

    rebuild(apps.get_model)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_trigram_index"),
        ("customers", "0004_saved_filters_move_to_workspace"),
        ("masterdata", "0001_initial"),
        ("pipeline", "0001_initial"),
        ("sales", "0003_split_by_domain"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
