"""Demo data for `make run`: the provincial and district authorities and personal demo accounts.

Passwords are generated, printed once, and must be changed at first login; no shared secret exists.
Units, periods and roles are added to the demo as the later stages are built.
"""

import secrets

from django.core.management.base import BaseCommand
from django.db import transaction

from criteria.models import Authority
from submissions.models import User

DEMO_USERS = [
    # username, full name, staff, superuser
    ("admin", "Quản trị hệ thống", True, True),
    ("canbo.snv", "Nguyễn Văn An (Sở Nội vụ)", False, False),
]


class Command(BaseCommand):
    help = "Nạp dữ liệu minh họa: cơ quan ban hành và tài khoản cá nhân (mật khẩu sinh ngẫu nhiên)."

    @transaction.atomic
    def handle(self, *args, **options):
        tinh, _ = Authority.objects.get_or_create(
            code="tinh-thai-nguyen", defaults={"name": "UBND tỉnh Thái Nguyên", "level": "tinh"}
        )
        huyen, _ = Authority.objects.get_or_create(
            code="huyen-dinh-hoa", defaults={"name": "UBND huyện Định Hóa", "level": "huyen"}
        )
        if huyen.parent_id is None:
            huyen.parent = tinh
            huyen.save(update_fields=["parent"])
        for username, full_name, staff, superuser in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                self.stdout.write(f"Tài khoản {username}: đã có (giữ nguyên mật khẩu).")
                continue
            password = secrets.token_urlsafe(9)
            user = User(username=username, full_name=full_name, is_staff=staff, is_superuser=superuser,
                        must_change_password=True)
            user.set_password(password)
            user.save()
            self.stdout.write(
                self.style.SUCCESS(f"Tài khoản {username}: mật khẩu {password} (đổi ở lần đăng nhập đầu)")
            )
