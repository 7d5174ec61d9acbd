"""Navigation: the links a logged-in user may follow, by what their account is allowed to do."""

from django.http import HttpRequest
from django.urls import reverse


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [{"label": "Bộ tiêu chí", "url": reverse("criteria:framework_list"), "key": "criteria"}]
    if user.has_perm("criteria.add_framework"):
        items.append(
            {"label": "Nhập bộ tiêu chí (Excel)", "url": reverse("criteria:framework_import"), "key": "import"}
        )
    if user.is_staff:
        items.append({"label": "Quản trị", "url": reverse("admin:index"), "key": "admin"})
    return {"nav_items": items}
