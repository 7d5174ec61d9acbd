from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from criteria.services import framework_load_fixture
from criteria.tree import TreeError


class Command(BaseCommand):
    help = "Nạp mọi bộ tiêu chí trong fixtures/criteria/*.yaml. Nạp lại cùng nội dung không thay đổi gì."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="Các tệp YAML (mặc định: mọi tệp trong fixtures/criteria).")

    def handle(self, *args, paths, **options):
        files = [Path(p) for p in paths] or sorted(Path(settings.CRITERIA_FIXTURE_DIR).glob("*.yaml"))
        if not files:
            raise CommandError(f"Không tìm thấy tệp bộ tiêu chí nào trong {settings.CRITERIA_FIXTURE_DIR}.")
        failures = []
        labels = {"created": "đã tạo", "updated": "đã cập nhật", "unchanged": "không thay đổi"}
        for path in files:
            try:
                framework, status = framework_load_fixture(path=path)
            except TreeError as exc:
                failures.append(f"{path.name}:\n  " + "\n  ".join(str(p) for p in exc.problems))
                continue
            except ValidationError as exc:
                failures.append(f"{path.name}: {' '.join(exc.messages)}")
                continue
            if options["verbosity"] < 1:
                continue
            count = framework.nodes.count()
            self.stdout.write(f"{framework.code}: {labels[status]} ({count} tiêu chí)")
        if failures:
            raise CommandError("Không nạp được:\n" + "\n".join(failures))
