"""`load_frameworks`: loads every fixture, is idempotent, and never silently changes a used framework."""

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from criteria.models import Framework, Node
from criteria.services import framework_lock

pytestmark = pytest.mark.django_db
FIXTURES = Path(settings.CRITERIA_FIXTURE_DIR)


def _snapshot():
    return (
        list(Framework.objects.order_by("code").values_list("code", "updated_at", "content_hash")),
        list(Node.objects.order_by("id").values_list("id", "code", "max_points", "title")),
    )


def test_running_twice_changes_nothing():
    before = _snapshot()
    out = StringIO()
    call_command("load_frameworks", stdout=out)
    assert out.getvalue().count("không thay đổi") == 5
    assert _snapshot() == before


def _modified_copy(tmp_path: Path, code: str, change) -> Path:
    data = yaml.safe_load((FIXTURES / f"{code}.yaml").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / f"{code}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _retitle(data):
    data["nodes"][0]["children"][0]["title"] = "Năng lực lãnh đạo (sửa đổi)"


def test_changed_fixture_updates_an_unused_framework(tmp_path):
    path = _modified_copy(tmp_path, "tn2024-so", _retitle)
    out = StringIO()
    call_command("load_frameworks", str(path), stdout=out)
    assert "đã cập nhật" in out.getvalue()
    assert Node.objects.get(framework__code="tn2024-so", code="I").title == "Năng lực lãnh đạo (sửa đổi)"


def test_changed_fixture_is_refused_for_a_framework_in_use(tmp_path):
    framework_lock(framework=Framework.objects.get(code="tn2024-so"))
    before = _snapshot()
    path = _modified_copy(tmp_path, "tn2024-so", _retitle)
    with pytest.raises(CommandError, match="Không thể thay đổi bộ tiêu chí “tn2024-so”.*khóa"):
        call_command("load_frameworks", str(path))
    assert _snapshot() == before
    # The unchanged fixture still loads fine ("không thay đổi"): being in use only forbids changes.
    out = StringIO()
    call_command("load_frameworks", str(FIXTURES / "tn2024-so.yaml"), stdout=out)
    assert "không thay đổi" in out.getvalue()


def test_a_fixture_breaking_an_invariant_is_refused_with_its_problems(tmp_path):
    def bump(data):
        data["nodes"][0]["children"][0]["children"][0]["max_points"] = "5"

    before = _snapshot()
    path = _modified_copy(tmp_path, "tn2024-hoi", bump)
    with pytest.raises(CommandError) as exc:
        call_command("load_frameworks", str(path))
    message = str(exc.value)
    assert "Tổng điểm các tiêu chí con của “I” là 21, khác điểm tối đa 20" in message
    assert _snapshot() == before


def test_invalid_yaml_is_refused(tmp_path):
    path = tmp_path / "hong.yaml"
    path.write_text("code: [unclosed", encoding="utf-8")
    with pytest.raises(CommandError, match="không phải YAML hợp lệ"):
        call_command("load_frameworks", str(path))
