"""The stored "applied" flag goes (derived since 0007: :class:`conversion.models.ChangeRowManager`).

Without the per-row update the room kept on every page for it (0006, fillfactor 70) is no longer
needed: PostgreSQL packs the campaign rows again (the preview writes fewer pages).
"""

from django.db import migrations


def set_fillfactor(apps, schema_editor, value: int = 100) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("conversion", "ChangeRow")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {int(value)})")


def reset_fillfactor(apps, schema_editor) -> None:
    set_fillfactor(apps, schema_editor, 70)


class Migration(migrations.Migration):
    dependencies = [("conversion", "0007_changerow_skipped")]
    operations = [
        migrations.RemoveField(model_name="changerow", name="applied"),
        migrations.RunPython(set_fillfactor, reset_fillfactor),
    ]
