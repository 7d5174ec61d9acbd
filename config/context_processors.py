"""Navigation: the links a logged-in user may follow, by what their account is allowed to do."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject


def navigation(request: HttpRequest) -> dict:
    """Lazy: fragments (htmx responses) that show no navigation cost no query."""
    from django.conf import settings

    return {"nav_items": SimpleLazyObject(lambda: _items(request)), "oidc_enabled": settings.OIDC_ENABLED}


def _items(request: HttpRequest) -> list[dict]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    from submissions.models import Role
    from submissions.permissions import secretariat_authority_ids

    items = []
    if Role.objects.filter(user=user, kind__in=Role.UNIT_KINDS).exists():
        items.append({"label": "Báo cáo của đơn vị", "url": reverse("submissions:my_work"), "key": "work"})
    if secretariat_authority_ids(user):
        items.append({"label": "Kỳ đánh giá", "url": reverse("submissions:period_list"), "key": "periods"})
    if Role.objects.filter(user=user, kind__in=[Role.COUNCIL, Role.CHAIR, Role.LEADER]).exists() or \
            secretariat_authority_ids(user):
        items.append({"label": "Thẩm định", "url": reverse("appraisal:home"), "key": "appraisal"})
    if Role.objects.filter(user=user, kind__in=[Role.CHAIR, Role.CHAIRMAN]).exists() or \
            secretariat_authority_ids(user):
        items.append({"label": "Xếp loại", "url": reverse("ranking:periods"), "key": "ranking"})
    items.append({"label": "Bộ tiêu chí", "url": reverse("criteria:framework_list"), "key": "criteria"})
    items.append({"label": "Kết quả công bố", "url": reverse("ranking:public_list"), "key": "public"})
    if user.has_perm("criteria.add_framework"):
        items.append(
            {"label": "Nhập bộ tiêu chí (Excel)", "url": reverse("criteria:framework_import"), "key": "import"}
        )
    if user.is_staff:
        items.append({"label": "Quản trị", "url": reverse("admin:index"), "key": "admin"})
    return items
