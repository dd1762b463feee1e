import json
from pathlib import Path

import pytest
from django.core.management import call_command

from profiles import codelists
from profiles.codelists import CodeListFileError, load_codelists
from profiles.models import CodeItem, CodeList, CodeListRelease


def test_shipped_lists_loaded_with_versions(db):
    keys = set(CodeList.objects.values_list("key", flat=True))
    assert {"ethnicity", "religion", "sex", "grade", "salary-scale", "position", "title"} <= keys
    ethnicity = codelists.items("ethnicity")
    # the 54 groups numbered 01–54 (+ foreigners), Kinh first
    assert [c for c in ethnicity if c <= "54"] == [f"{n:02d}" for n in range(1, 55)]
    assert ethnicity["01"].name == "Kinh"
    release = CodeListRelease.objects.get(code_list__key="ethnicity")
    assert release.version and release.effective_from and release.sha256


def test_grades_carry_their_salary_scale(db):
    grades = codelists.items("grade")
    scales = codelists.items("salary-scale")
    assert grades["01.003"].name == "Chuyên viên"
    for grade in grades.values():
        assert grade.extra["scale"] in scales, grade.code


def test_loading_twice_is_idempotent(db):
    before = CodeItem.objects.count()
    result = load_codelists()
    assert result.loaded == []
    assert len(result.unchanged) == CodeListRelease.objects.count()  # a list has releases
    assert {key.split("@")[0] for key in result.unchanged} == set(
        CodeList.objects.values_list("key", flat=True)
    )
    assert CodeItem.objects.count() == before


def _write(tmp_path: Path, name: str, data: dict) -> Path:
    (tmp_path / name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return tmp_path


def test_new_version_is_loaded_beside_the_old_and_wins_from_its_date(db, tmp_path):
    data = {
        "list": "religion",
        "name": "Tôn giáo",
        "version": "2099.1",
        "effective_from": "2024-06-01",
        "items": [{"code": "00", "name": "Không"}, {"code": "77", "name": "Đạo mới"}],
    }
    load_codelists(_write(tmp_path, "religion.json", data))
    assert CodeListRelease.objects.filter(code_list__key="religion").count() == 2
    assert "77" in codelists.items("religion")
    assert set(codelists.items("religion")) == {"00", "77"}


def test_same_version_with_other_content_is_refused_and_nothing_written(db, tmp_path):
    data = {
        "list": "sex",
        "name": "Giới tính",
        "version": "2024.1",
        "effective_from": "2000-01-01",
        "items": [{"code": "1", "name": "Nam"}],
    }
    before = CodeItem.objects.count()
    with pytest.raises(CodeListFileError, match="tăng số phiên bản"):
        load_codelists(_write(tmp_path, "sex.json", data))
    assert CodeItem.objects.count() == before


@pytest.mark.parametrize(
    "content, message",
    [
        (
            "# list: x\n# name: X\n# version: 1\n# effective_from: 2020-01-01\ncode,name\n01,\n",
            "dòng dữ liệu 1",
        ),
        ("# list: x\n# name: X\n# version: 1\ncode,name\n01,A\n", "effective_from"),
        (
            "# list: x\n# name: X\n# version: 1\n# effective_from: 2020-13-01\ncode,name\n01,A\n",
            "YYYY-MM-DD",
        ),
        (
            "# list: x\n# name: X\n# version: 1\n# effective_from: 2020-01-01\n"
            "code,name\n01,A\n01,B\n",
            "lặp lại",
        ),
    ],
)
def test_bad_files_name_file_and_row(db, tmp_path, content, message):
    (tmp_path / "bad.csv").write_text(content, encoding="utf-8")
    with pytest.raises(CodeListFileError, match=message) as exc:
        load_codelists(tmp_path)
    assert "bad.csv" in str(exc.value)


def test_command_reports(db, capsys):
    call_command("load_codelists")
    assert "không thay đổi" in capsys.readouterr().out
