"""Accounts. Units, periods and self-scores arrive with the self-assessment issue."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A personal account: never shared (seed 003 printed one shared password; we never need one)."""

    full_name = models.CharField("Họ và tên", max_length=150, blank=True)
    must_change_password = models.BooleanField(
        "Phải đổi mật khẩu khi đăng nhập", default=False,
        help_text="Tài khoản mới phải đổi mật khẩu ở lần đăng nhập đầu tiên.",
    )

    class Meta:
        verbose_name = "Tài khoản"
        verbose_name_plural = "Tài khoản"

    def __str__(self) -> str:
        return self.full_name or self.get_full_name() or self.username
