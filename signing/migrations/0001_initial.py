"""The signing engine's models, moved out of ``profiles`` into their own app (#13).

The tables keep their names (``profiles_signingcredential`` …): this migration only tells Django's
state where the models now live, no data is copied. The content types of the four models are
renamed in place, so the permissions granted on them, the admin's log entries and anything
else pointing at a content type keep pointing at the same rows.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ("signingcredential", "trustedcertificate", "revocationlist", "signingbatch")


def rename_content_types(apps, schema_editor, old="profiles", new="signing"):
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    # a model whose content type exists under the new label already (made by a post_migrate
    # of a newer checkout) keeps both rows: merging them is not this migration's call
    taken = content_type.objects.using(db).filter(app_label=new, model__in=MODELS)
    movable = set(MODELS) - set(taken.values_list("model", flat=True))
    content_type.objects.using(db).filter(app_label=old, model__in=movable).update(app_label=new)


def restore_content_types(apps, schema_editor):
    rename_content_types(apps, schema_editor, old="signing", new="profiles")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        # the tables were created by profiles' migrations 0003, 0004 and altered up to 0019
        ("profiles", "0019_verbose_names_translatable"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(rename_content_types, restore_content_types),
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="RevocationList",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "label",
                            models.CharField(blank=True, max_length=200, verbose_name="tên gọi"),
                        ),
                        ("issuer", models.CharField(max_length=500, verbose_name="CA phát hành")),
                        ("crl_der", models.BinaryField(verbose_name="CRL (DER)")),
                        (
                            "fingerprint",
                            models.CharField(
                                max_length=64, unique=True, verbose_name="dấu vân tay SHA-256"
                            ),
                        ),
                        ("this_update", models.DateTimeField(verbose_name="ngày phát hành")),
                        (
                            "next_update",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="cập nhật tiếp trước"
                            ),
                        ),
                        (
                            "revoked_count",
                            models.PositiveIntegerField(
                                default=0, verbose_name="số chứng thư bị thu hồi"
                            ),
                        ),
                        ("active", models.BooleanField(default=True, verbose_name="đang dùng")),
                        (
                            "added_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="nạp lúc"),
                        ),
                        (
                            "added_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="người nạp",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "danh sách thu hồi (CRL)",
                        "verbose_name_plural": "kho tin cậy: danh sách thu hồi (CRL)",
                        "db_table": "profiles_revocationlist",
                        "ordering": ["issuer", "-this_update"],
                    },
                ),
                migrations.CreateModel(
                    name="SigningCredential",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("certificate_pem", models.TextField(verbose_name="chứng thư số (PEM)")),
                        ("subject", models.CharField(max_length=500, verbose_name="chủ thể")),
                        (
                            "common_name",
                            models.CharField(blank=True, max_length=255, verbose_name="tên (CN)"),
                        ),
                        ("issuer", models.CharField(max_length=500, verbose_name="tổ chức cấp")),
                        ("serial", models.CharField(max_length=80, verbose_name="số hiệu (hex)")),
                        (
                            "fingerprint",
                            models.CharField(
                                max_length=64, unique=True, verbose_name="dấu vân tay SHA-256"
                            ),
                        ),
                        ("not_before", models.DateTimeField(verbose_name="hiệu lực từ")),
                        ("not_after", models.DateTimeField(verbose_name="hiệu lực đến")),
                        ("label", models.CharField(max_length=200, verbose_name="tên gọi")),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("p12", "Tệp khóa PKCS#12 (.p12/.pfx)"),
                                    ("pkcs11", "Thiết bị ký PKCS#11 (USB token)"),
                                ],
                                max_length=10,
                                verbose_name="loại khóa",
                            ),
                        ),
                        (
                            "key_algorithm",
                            models.CharField(max_length=10, verbose_name="thuật toán khóa"),
                        ),
                        (
                            "chain_pem",
                            models.TextField(blank=True, verbose_name="chứng thư trung gian (PEM)"),
                        ),
                        (
                            "sealed_pkcs12",
                            models.BinaryField(null=True, verbose_name="tệp PKCS#12 đã mã hóa"),
                        ),
                        (
                            "token_module",
                            models.CharField(
                                blank=True, max_length=300, verbose_name="thư viện PKCS#11"
                            ),
                        ),
                        (
                            "token_label",
                            models.CharField(
                                blank=True, max_length=64, verbose_name="nhãn thiết bị ký"
                            ),
                        ),
                        (
                            "token_key_id",
                            models.CharField(
                                blank=True,
                                max_length=128,
                                verbose_name="mã khóa trên thiết bị (hex)",
                            ),
                        ),
                        (
                            "token_key_label",
                            models.CharField(
                                blank=True, max_length=64, verbose_name="nhãn khóa trên thiết bị"
                            ),
                        ),
                        ("active", models.BooleanField(default=True, verbose_name="đang dùng")),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="tạo lúc"),
                        ),
                        (
                            "last_used_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="dùng lần cuối"
                            ),
                        ),
                        (
                            "owner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="signing_credentials",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="người sở hữu",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "khóa ký số",
                        "verbose_name_plural": "khóa ký số",
                        "db_table": "profiles_signingcredential",
                        "ordering": ["owner", "-not_after"],
                    },
                ),
                migrations.CreateModel(
                    name="SigningBatch",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "provider",
                            models.CharField(max_length=200, verbose_name="nguồn tài liệu"),
                        ),
                        (
                            "item_ids",
                            models.JSONField(default=list, verbose_name="danh sách mục cần ký"),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Chờ chạy"),
                                    ("running", "Đang ký"),
                                    ("done", "Hoàn thành"),
                                    ("partial", "Hoàn thành, có lỗi"),
                                    ("failed", "Thất bại"),
                                ],
                                default="pending",
                                max_length=10,
                                verbose_name="trạng thái",
                            ),
                        ),
                        ("total", models.PositiveIntegerField(default=0, verbose_name="tổng số")),
                        ("done", models.PositiveIntegerField(default=0, verbose_name="đã ký")),
                        ("failed", models.PositiveIntegerField(default=0, verbose_name="lỗi")),
                        (
                            "results",
                            models.JSONField(
                                blank=True, default=dict, verbose_name="kết quả từng mục"
                            ),
                        ),
                        ("error", models.TextField(blank=True, verbose_name="lỗi chung")),
                        (
                            "sealed_pin",
                            models.BinaryField(null=True, verbose_name="mã PIN (đã mã hóa)"),
                        ),
                        (
                            "task_id",
                            models.CharField(blank=True, max_length=64, verbose_name="mã tác vụ"),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="tạo lúc"),
                        ),
                        (
                            "started_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="bắt đầu"),
                        ),
                        (
                            "finished_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="kết thúc"),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="signing_batches",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="người ký",
                            ),
                        ),
                        (
                            "credential",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="batches",
                                to="signing.signingcredential",
                                verbose_name="khóa ký số",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "lô ký số",
                        "verbose_name_plural": "lô ký số",
                        "db_table": "profiles_signingbatch",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="TrustedCertificate",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("certificate_pem", models.TextField(verbose_name="chứng thư số (PEM)")),
                        ("subject", models.CharField(max_length=500, verbose_name="chủ thể")),
                        (
                            "common_name",
                            models.CharField(blank=True, max_length=255, verbose_name="tên (CN)"),
                        ),
                        ("issuer", models.CharField(max_length=500, verbose_name="tổ chức cấp")),
                        ("serial", models.CharField(max_length=80, verbose_name="số hiệu (hex)")),
                        (
                            "fingerprint",
                            models.CharField(
                                max_length=64, unique=True, verbose_name="dấu vân tay SHA-256"
                            ),
                        ),
                        ("not_before", models.DateTimeField(verbose_name="hiệu lực từ")),
                        ("not_after", models.DateTimeField(verbose_name="hiệu lực đến")),
                        ("label", models.CharField(max_length=200, verbose_name="tên gọi")),
                        (
                            "is_self_signed",
                            models.BooleanField(default=False, verbose_name="CA gốc (tự ký)"),
                        ),
                        ("active", models.BooleanField(default=True, verbose_name="đang tin cậy")),
                        ("note", models.TextField(blank=True, verbose_name="ghi chú")),
                        (
                            "added_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="thêm lúc"),
                        ),
                        (
                            "added_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="người thêm",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "chứng thư CA tin cậy",
                        "verbose_name_plural": "kho tin cậy: chứng thư CA",
                        "db_table": "profiles_trustedcertificate",
                        "ordering": ["label"],
                    },
                ),
            ],
        ),
    ]
