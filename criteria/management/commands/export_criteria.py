import json

from django.core.management.base import BaseCommand, CommandError

from criteria.models import Framework
from criteria.selectors import framework_export_dict


class Command(BaseCommand):
    help = "In một bộ tiêu chí dưới dạng JSON."

    def add_arguments(self, parser):
        parser.add_argument("code", help="Mã bộ tiêu chí, ví dụ tn2024-so")

    def handle(self, *args, code, **options):
        framework = Framework.objects.filter(code=code).first()
        if framework is None:
            known = ", ".join(Framework.objects.values_list("code", flat=True)) or "chưa có bộ nào"
            raise CommandError(f"Không có bộ tiêu chí mã “{code}” (hiện có: {known}).")
        self.stdout.write(json.dumps(framework_export_dict(framework), ensure_ascii=False, indent=2))
