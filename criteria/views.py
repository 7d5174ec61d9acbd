from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from config.responses import attachment, download_name

from .forms import FrameworkImportForm
from .models import Framework
from .scoring import RULE_KIND_LABELS
from .selectors import framework_list, framework_tree
from .spreadsheet import framework_export_xlsx, framework_import_xlsx
from .tree import TreeError


@login_required
def framework_list_view(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code")
    if code and Framework.objects.filter(code=code).exists():
        return redirect("criteria:framework_detail", code=code)
    return render(request, "criteria/framework_list.html", {"frameworks": framework_list()})


@login_required
def framework_detail_view(request: HttpRequest, code: str) -> HttpResponse:
    """Every logged-in user may read every framework: the criteria are public regulation."""
    framework = get_object_or_404(Framework.objects.select_related("authority"), code=code)
    tree = framework_tree(framework)
    leaves = sum(1 for _ in _leaves(tree))
    return render(request, "criteria/framework_detail.html", {
        "framework": framework, "tree": tree, "frameworks": framework_list(), "leaf_count": leaves,
        "rule_kinds": RULE_KIND_LABELS,
    })


def _leaves(items):
    for item in items:
        if item.children:
            yield from _leaves(item.children)
        else:
            yield item


@login_required
def framework_export_xlsx_view(request: HttpRequest, code: str) -> HttpResponse:
    framework = get_object_or_404(Framework.objects.select_related("authority"), code=code)
    return attachment(framework_export_xlsx(framework), download_name("Bộ tiêu chí", framework.code, ext="xlsx"))


@login_required
@permission_required(["criteria.add_framework", "criteria.change_framework"], raise_exception=True)
@require_http_methods(["GET", "POST"])
def framework_import_view(request: HttpRequest) -> HttpResponse:
    form = FrameworkImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            framework, status = framework_import_xlsx(data=form.cleaned_data["file"].read())
        except TreeError as exc:
            problems = [str(p) for p in exc.problems]
        except ValidationError as exc:
            problems = list(exc.messages)
        else:
            text = {"created": "Đã tạo", "updated": "Đã cập nhật", "unchanged": "Không có thay đổi nào cho"}[status]
            messages.success(request, f"{text} bộ tiêu chí “{framework.code}” ({framework.nodes.count()} tiêu chí).")
            return redirect("criteria:framework_detail", code=framework.code)
    status_code = 400 if problems else 200
    return render(request, "criteria/framework_import.html", {"form": form, "problems": problems}, status=status_code)
