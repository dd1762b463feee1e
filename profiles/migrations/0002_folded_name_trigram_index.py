"""PostgreSQL only: a trigram index so that a name typed without diacritics is found anywhere
in the folded name (``folded_name LIKE '%…%'``) without scanning every profile.

Other databases keep the plain B-tree index from 0001.
"""

from django.db import migrations

INDEX = "profiles_profile_folded_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON profiles_profile "
        "USING gin (folded_name gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("profiles", "0001_profile_model_codelists_workflow")]

    operations = [migrations.RunPython(create, drop)]
