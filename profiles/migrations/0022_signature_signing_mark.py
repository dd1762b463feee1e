"""A signature made here carries the server's mark (#19): an HMAC, under a key derived from the
master key, of what was signed and verified at signing time, so that the sync queue need not
verify the signature's cryptography again. Rows signed before have none (empty): the queue
verifies those in full, as before.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0021_import_models_moved_to_transfer_app"),
    ]

    operations = [
        migrations.AddField(
            model_name="profilesignature",
            name="signing_mark",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                max_length=80,
                verbose_name="dấu xác nhận của máy chủ khi ký",
            ),
        ),
    ]
