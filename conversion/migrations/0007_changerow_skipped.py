"""A campaign row's "applied" flag is derived, not stored: the commit no longer updates every
converted row (millions at 300,000 profiles), it marks only the rows it left alone
(``skipped``: the profile changed since the preview). ``applied`` = a converted, not skipped row
of a committed campaign (:class:`conversion.models.ChangeRowManager`).

This migration adds ``skipped`` and fills it from ``applied``; 0008 drops ``applied`` (another
transaction: no schema change after the data update in the same one).
"""

from django.db import migrations, models


def applied_to_skipped(apps, schema_editor) -> None:
    ChangeRow = apps.get_model("conversion", "ChangeRow")
    ChangeRow.objects.filter(
        campaign__status="committed", outcome="converted", applied=False
    ).update(skipped=True)


def skipped_to_applied(apps, schema_editor) -> None:
    ChangeRow = apps.get_model("conversion", "ChangeRow")
    ChangeRow.objects.filter(
        campaign__status="committed", outcome="converted", skipped=False
    ).update(applied=True)


class Migration(migrations.Migration):
    dependencies = [("conversion", "0006_changerow_fillfactor")]
    operations = [
        migrations.AddField(
            model_name="changerow",
            name="skipped",
            field=models.BooleanField(default=False, verbose_name="bỏ qua khi ghi"),
        ),
        migrations.RunPython(applied_to_skipped, skipped_to_applied),
    ]
