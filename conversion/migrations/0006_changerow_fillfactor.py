"""Room on every page of the campaign rows for their "applied" flag.

A commit sets ``applied`` on up to millions of rows written by the preview's ``COPY`` into full
pages; with no room left on the page each update writes the row elsewhere and a new entry in
every one of the table's indexes (a 60,000-profile commit spent most of its time there, more per
chunk as it went). With free space on the page and no index on ``applied``, PostgreSQL updates
the row in place (a heap-only tuple). PostgreSQL only; other databases have no such setting.
"""

from django.db import migrations


def set_fillfactor(apps, schema_editor, value: int = 70) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("conversion", "ChangeRow")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {int(value)})")


def reset_fillfactor(apps, schema_editor) -> None:
    set_fillfactor(apps, schema_editor, 100)


class Migration(migrations.Migration):
    dependencies = [("conversion", "0005_verbose_names_translatable")]
    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
