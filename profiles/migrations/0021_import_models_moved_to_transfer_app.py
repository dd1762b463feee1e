"""The import and export models leave ``profiles`` for the ``transfer`` app (#13): state only,
the tables stay (``transfer/0001`` takes them over).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0020_signing_models_moved_to_signing_app"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name="historicalimportmapping",
                    name="history_user",
                ),
                migrations.RemoveField(
                    model_name="historicalimportmapping",
                    name="unit",
                ),
                migrations.RemoveField(
                    model_name="importchunk",
                    name="job",
                ),
                migrations.RemoveField(
                    model_name="importedsourcedata",
                    name="profile",
                ),
                migrations.RemoveField(
                    model_name="importjob",
                    name="created_by",
                ),
                migrations.RemoveField(
                    model_name="importjob",
                    name="mapping",
                ),
                migrations.RemoveField(
                    model_name="importjob",
                    name="unit",
                ),
                migrations.RemoveField(
                    model_name="importrowresult",
                    name="job",
                ),
                migrations.RemoveField(
                    model_name="importmapping",
                    name="unit",
                ),
                migrations.DeleteModel(
                    name="HeldRow",
                ),
                migrations.DeleteModel(
                    name="HistoricalImportMapping",
                ),
                migrations.DeleteModel(
                    name="ImportChunk",
                ),
                migrations.DeleteModel(
                    name="ImportedSourceData",
                ),
                migrations.DeleteModel(
                    name="ImportJob",
                ),
                migrations.DeleteModel(
                    name="ImportRowResult",
                ),
                migrations.DeleteModel(
                    name="ImportMapping",
                ),
            ],
        ),
    ]
