"""The import and export models, moved out of ``profiles`` into their own app (#13).

The tables keep their names (``profiles_importjob`` …): this migration only tells Django's state
where the models now live, no data is copied. Their content types are renamed in place (so the
permissions granted on them and the admin's log entries keep their rows), and the background
Excel exports already recorded name the export's new module.
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


MODELS = (
    "importmapping",
    "historicalimportmapping",
    "importjob",
    "importchunk",
    "importrowresult",
    "importedsourcedata",
    "heldrow",
)
EXPORT_KINDS = {
    "profiles.export_jobs.write_profiles_xlsx": "transfer.export_jobs.write_profiles_xlsx"
}


def move(apps, schema_editor, old="profiles", new="transfer"):
    db = schema_editor.connection.alias
    content_type = apps.get_model("contenttypes", "ContentType")
    # a model whose content type exists under the new label already (made by a post_migrate
    # of a newer checkout) keeps both rows: merging them is not this migration's call
    taken = content_type.objects.using(db).filter(app_label=new, model__in=MODELS)
    movable = set(MODELS) - set(taken.values_list("model", flat=True))
    content_type.objects.using(db).filter(app_label=old, model__in=movable).update(app_label=new)
    export_file = apps.get_model("exports", "ExportFile")
    for before, after in EXPORT_KINDS.items():
        if old != "profiles":
            before, after = after, before
        export_file.objects.using(db).filter(kind=before).update(kind=after)


def move_back(apps, schema_editor):
    move(apps, schema_editor, old="transfer", new="profiles")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("orgtree", "0006_verbose_names_translatable"),
        ("profiles", "0021_import_models_moved_to_transfer_app"),
        ("exports", "0002_verbose_names_translatable"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(move, move_back),
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="HistoricalImportMapping",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=100, verbose_name="tên")),
                        (
                            "source_software",
                            models.CharField(
                                blank=True, max_length=200, verbose_name="phần mềm nguồn"
                            ),
                        ),
                        (
                            "column_overrides",
                            models.JSONField(blank=True, default=dict, verbose_name="ánh xạ cột"),
                        ),
                        (
                            "value_mappings",
                            models.JSONField(
                                blank=True, default=dict, verbose_name="ánh xạ giá trị"
                            ),
                        ),
                        (
                            "skipped_columns",
                            models.JSONField(
                                blank=True,
                                default=dict,
                                help_text="{bảng: [tiêu đề cột]}: cột không nhận ra mà không giữ làm dữ liệu gốc.",
                                verbose_name="cột bỏ qua",
                            ),
                        ),
                        (
                            "updated_at",
                            models.DateTimeField(
                                blank=True, editable=False, null=True, verbose_name="cập nhật lúc"
                            ),
                        ),
                        ("notes", models.TextField(blank=True, verbose_name="ghi chú")),
                        (
                            "created_at",
                            models.DateTimeField(
                                blank=True, editable=False, verbose_name="tạo lúc"
                            ),
                        ),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                                max_length=1,
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "unit",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                help_text="Cơ quan (cây đơn vị) được dùng cấu hình này.",
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="orgtree.unit",
                                verbose_name="cơ quan sử dụng",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "lịch sử cấu hình nhập",
                        "verbose_name_plural": "historical cấu hình nhập dữ liệu",
                        "db_table": "profiles_historicalimportmapping",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="ImportedSourceData",
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
                        ("file", models.CharField(max_length=255, verbose_name="tệp")),
                        (
                            "sheet",
                            models.CharField(blank=True, max_length=100, verbose_name="trang"),
                        ),
                        ("row", models.PositiveIntegerField(verbose_name="dòng")),
                        (
                            "data",
                            models.JSONField(blank=True, default=dict, verbose_name="dữ liệu gốc"),
                        ),
                        (
                            "updated_at",
                            models.DateTimeField(auto_now=True, verbose_name="cập nhật lúc"),
                        ),
                        (
                            "profile",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="import_source",
                                to="profiles.profile",
                                verbose_name="hồ sơ",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "dữ liệu gốc từ tệp nhập",
                        "verbose_name_plural": "dữ liệu gốc từ tệp nhập",
                        "db_table": "profiles_importedsourcedata",
                    },
                ),
                migrations.CreateModel(
                    name="ImportJob",
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
                            "files",
                            models.JSONField(
                                default=list,
                                help_text="[{name, path, sha256, size}] của các tệp đã tải lên.",
                                verbose_name="tệp",
                            ),
                        ),
                        (
                            "unit_mapping",
                            models.JSONField(
                                blank=True,
                                default=dict,
                                help_text="{tên hoặc mã đơn vị cũ: mã đơn vị hiện nay}",
                                verbose_name="ánh xạ đơn vị cũ",
                            ),
                        ),
                        (
                            "mode",
                            models.CharField(
                                choices=[
                                    ("dry_run", "Xem trước (không ghi)"),
                                    ("commit", "Ghi vào cơ sở dữ liệu"),
                                ],
                                default="dry_run",
                                max_length=10,
                                verbose_name="chế độ",
                            ),
                        ),
                        (
                            "all_or_nothing",
                            models.BooleanField(default=False, verbose_name="tất cả hoặc không"),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Chờ xử lý"),
                                    ("running", "Đang xử lý"),
                                    ("planned", "Đã xem trước"),
                                    ("done", "Hoàn thành"),
                                    ("failed", "Thất bại"),
                                ],
                                default="pending",
                                max_length=10,
                                verbose_name="trạng thái",
                            ),
                        ),
                        ("done", models.PositiveIntegerField(default=0, verbose_name="đã xử lý")),
                        (
                            "total",
                            models.PositiveIntegerField(default=0, verbose_name="tổng số dòng"),
                        ),
                        (
                            "plan_hash",
                            models.CharField(
                                blank=True, max_length=64, verbose_name="mã băm kế hoạch"
                            ),
                        ),
                        (
                            "report",
                            models.JSONField(blank=True, default=dict, verbose_name="báo cáo"),
                        ),
                        ("error", models.TextField(blank=True, verbose_name="lỗi")),
                        (
                            "task_id",
                            models.CharField(
                                blank=True, max_length=64, verbose_name="mã tác vụ nền"
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="tạo lúc"),
                        ),
                        (
                            "finished_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="xong lúc"),
                        ),
                        (
                            "heartbeat_at",
                            models.DateTimeField(
                                blank=True,
                                help_text="Lần cuối tiến trình nhập báo còn chạy (vài giây một lần).",
                                null=True,
                                verbose_name="còn chạy lúc",
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="người nhập",
                            ),
                        ),
                        (
                            "unit",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="orgtree.unit",
                                verbose_name="đơn vị nhận",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "lượt nhập dữ liệu",
                        "verbose_name_plural": "lượt nhập dữ liệu",
                        "db_table": "profiles_importjob",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="ImportChunk",
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
                        ("table", models.CharField(max_length=40, verbose_name="bảng")),
                        ("rows", models.PositiveIntegerField(verbose_name="số dòng đã ghi")),
                        (
                            "first_row",
                            models.PositiveIntegerField(default=0, verbose_name="từ dòng"),
                        ),
                        (
                            "last_row",
                            models.PositiveIntegerField(default=0, verbose_name="đến dòng"),
                        ),
                        (
                            "committed_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="ghi lúc"),
                        ),
                        (
                            "job",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="chunks",
                                to="transfer.importjob",
                                verbose_name="lượt nhập",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "nhóm dòng đã ghi",
                        "verbose_name_plural": "nhóm dòng đã ghi",
                        "db_table": "profiles_importchunk",
                        "ordering": ["id"],
                    },
                ),
                migrations.CreateModel(
                    name="ImportMapping",
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
                        ("name", models.CharField(max_length=100, verbose_name="tên")),
                        (
                            "source_software",
                            models.CharField(
                                blank=True, max_length=200, verbose_name="phần mềm nguồn"
                            ),
                        ),
                        (
                            "column_overrides",
                            models.JSONField(blank=True, default=dict, verbose_name="ánh xạ cột"),
                        ),
                        (
                            "value_mappings",
                            models.JSONField(
                                blank=True, default=dict, verbose_name="ánh xạ giá trị"
                            ),
                        ),
                        (
                            "skipped_columns",
                            models.JSONField(
                                blank=True,
                                default=dict,
                                help_text="{bảng: [tiêu đề cột]}: cột không nhận ra mà không giữ làm dữ liệu gốc.",
                                verbose_name="cột bỏ qua",
                            ),
                        ),
                        (
                            "updated_at",
                            models.DateTimeField(
                                auto_now=True, null=True, verbose_name="cập nhật lúc"
                            ),
                        ),
                        ("notes", models.TextField(blank=True, verbose_name="ghi chú")),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="tạo lúc"),
                        ),
                        (
                            "unit",
                            models.ForeignKey(
                                help_text="Cơ quan (cây đơn vị) được dùng cấu hình này.",
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="orgtree.unit",
                                verbose_name="cơ quan sử dụng",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "cấu hình nhập dữ liệu",
                        "verbose_name_plural": "cấu hình nhập dữ liệu",
                        "db_table": "profiles_importmapping",
                        "ordering": ["name"],
                    },
                ),
                migrations.AddField(
                    model_name="importjob",
                    name="mapping",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="jobs",
                        to="transfer.importmapping",
                        verbose_name="cấu hình nhập",
                    ),
                ),
                migrations.CreateModel(
                    name="ImportRowResult",
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
                        ("position", models.PositiveIntegerField(verbose_name="thứ tự")),
                        ("file", models.CharField(max_length=255, verbose_name="tệp")),
                        (
                            "sheet",
                            models.CharField(blank=True, max_length=100, verbose_name="trang"),
                        ),
                        ("row", models.PositiveIntegerField(verbose_name="dòng")),
                        ("table", models.CharField(max_length=40, verbose_name="bảng")),
                        (
                            "personal_id",
                            models.CharField(
                                blank=True, max_length=40, verbose_name="số định danh"
                            ),
                        ),
                        ("kind", models.CharField(max_length=10, verbose_name="kết quả")),
                        ("warned", models.BooleanField(default=False, verbose_name="có cảnh báo")),
                        ("data", models.JSONField(default=dict, verbose_name="chi tiết")),
                        (
                            "job",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="row_results",
                                to="transfer.importjob",
                                verbose_name="lượt nhập",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "kết quả từng dòng nhập",
                        "verbose_name_plural": "kết quả từng dòng nhập",
                        "db_table": "profiles_importrowresult",
                        "ordering": ["job", "position"],
                    },
                ),
                migrations.CreateModel(
                    name="HeldRow",
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
                        ("file", models.CharField(max_length=255, verbose_name="tệp")),
                        (
                            "sheet",
                            models.CharField(blank=True, max_length=100, verbose_name="trang"),
                        ),
                        ("row", models.PositiveIntegerField(verbose_name="dòng")),
                        (
                            "table",
                            models.CharField(default="profile", max_length=40, verbose_name="bảng"),
                        ),
                        (
                            "personal_id",
                            models.CharField(
                                blank=True,
                                db_index=True,
                                max_length=40,
                                verbose_name="số định danh",
                            ),
                        ),
                        (
                            "full_name",
                            models.CharField(blank=True, max_length=255, verbose_name="họ và tên"),
                        ),
                        ("cells", models.JSONField(default=list, verbose_name="các ô gốc")),
                        ("problems", models.JSONField(default=list, verbose_name="lý do")),
                        (
                            "status",
                            models.CharField(
                                choices=[("open", "Chờ xử lý"), ("resolved", "Đã nhập")],
                                default="open",
                                max_length=10,
                                verbose_name="trạng thái",
                            ),
                        ),
                        (
                            "edited_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="sửa lúc"),
                        ),
                        (
                            "resolved_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="nhập lúc"),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="tạo lúc"),
                        ),
                        (
                            "updated_at",
                            models.DateTimeField(auto_now=True, verbose_name="cập nhật lúc"),
                        ),
                        (
                            "profile",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="profiles.profile",
                                verbose_name="hồ sơ",
                            ),
                        ),
                        (
                            "unit",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="orgtree.unit",
                                verbose_name="đơn vị nhận",
                            ),
                        ),
                        (
                            "job",
                            models.ForeignKey(
                                blank=True,
                                help_text="Lượt nhập gần nhất đã từ chối dòng này.",
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="held_rows",
                                to="transfer.importjob",
                                verbose_name="lượt nhập",
                            ),
                        ),
                        (
                            "resolved_job",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="transfer.importjob",
                                verbose_name="nhập bởi lượt",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "dòng chờ xử lý",
                        "verbose_name_plural": "dòng chờ xử lý",
                        "db_table": "profiles_heldrow",
                        "ordering": ["status", "file", "sheet", "row", "id"],
                        "indexes": [
                            models.Index(
                                fields=["unit", "status", "file", "sheet", "row"],
                                name="profiles_he_unit_id_00c65f_idx",
                            )
                        ],
                    },
                ),
                migrations.AddConstraint(
                    model_name="importmapping",
                    constraint=models.UniqueConstraint(
                        fields=("unit", "name"), name="import_mapping_unit_name"
                    ),
                ),
                migrations.AddIndex(
                    model_name="importrowresult",
                    index=models.Index(
                        fields=["job", "kind", "position"], name="import_row_job_kind"
                    ),
                ),
                migrations.AddIndex(
                    model_name="importrowresult",
                    index=models.Index(fields=["job", "position"], name="import_row_job_position"),
                ),
            ],
        ),
    ]
