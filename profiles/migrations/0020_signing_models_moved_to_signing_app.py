"""The signing engine's models leave ``profiles`` for the ``signing`` app (#13): state only, the
tables stay. A signing batch's provider, a dotted path stored in the row, follows the module
that moved.
"""

import django.db.models.deletion
from django.db import migrations, models

PROVIDERS = {
    "profiles.signing.profile_signing.provide_profile_version": (
        "profiles.signatures.versions.provide_profile_version"
    ),
}


def move_providers(apps, schema_editor, reverse=False):
    batch = apps.get_model("signing", "SigningBatch")
    db = schema_editor.connection.alias
    for old, new in PROVIDERS.items():
        if reverse:
            old, new = new, old
        batch.objects.using(db).filter(provider=old).update(provider=new)


def restore_providers(apps, schema_editor):
    move_providers(apps, schema_editor, reverse=True)


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0019_verbose_names_translatable"),
        ("signing", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name="signingbatch",
                    name="created_by",
                ),
                migrations.RemoveField(
                    model_name="signingbatch",
                    name="credential",
                ),
                migrations.RemoveField(
                    model_name="signingcredential",
                    name="owner",
                ),
                migrations.AlterField(
                    model_name="profilesignature",
                    name="credential",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="profile_signatures",
                        to="signing.signingcredential",
                        verbose_name="khóa ký số",
                    ),
                ),
                migrations.RemoveField(
                    model_name="trustedcertificate",
                    name="added_by",
                ),
                migrations.DeleteModel(
                    name="RevocationList",
                ),
                migrations.DeleteModel(
                    name="SigningBatch",
                ),
                migrations.DeleteModel(
                    name="SigningCredential",
                ),
                migrations.DeleteModel(
                    name="TrustedCertificate",
                ),
            ],
        ),
        migrations.RunPython(move_providers, restore_providers),
    ]
