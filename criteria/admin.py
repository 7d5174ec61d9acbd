from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from .models import Authority, Framework, Node
from .scoring import fmt


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "level", "parent")
    search_fields = ("name", "code")


class NodeInline(admin.TabularInline):
    """Read-only: nodes change only through fixtures or the Excel import, which check the whole tree."""

    model = Node
    fields = ("tree_title", "max_points", "appraising_agency", "rule_kind")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("ordering",)
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Tiêu chí")
    def tree_title(self, node: Node):
        return format_html('<span style="padding-left:{}em"><code>{}</code> {}</span>', node.depth * 1.5,
                           node.code, node.title)

    @admin.display(description="Cách chấm")
    def rule_kind(self, node: Node):
        return node.rule_kind_label


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ("code", "target_group", "year", "authority", "total", "locked_at", "page")
    list_filter = ("year", "authority")
    search_fields = ("code", "name", "target_group")
    readonly_fields = ("content_hash", "created_at", "updated_at", "locked_at")
    inlines = [NodeInline]

    def get_readonly_fields(self, request, obj=None):
        # The declared total, code and results group are checked with the tree: change them through an import.
        if obj:
            return (*self.readonly_fields, "code", "total_points", "results_group")
        return self.readonly_fields

    @admin.display(description="Tổng điểm")
    def total(self, obj: Framework):
        return fmt(obj.total_points)

    @admin.display(description="Xem")
    def page(self, obj: Framework):
        return format_html('<a href="{}">Cây tiêu chí</a> · <a href="{}">Excel</a>',
                           reverse("criteria:framework_detail", args=[obj.code]),
                           reverse("criteria:framework_export_xlsx", args=[obj.code]))


@admin.register(Node)
class NodeAdmin(admin.ModelAdmin):
    """Nodes shown as a tree (indented by depth, in document order). Texts may be corrected here;
    points, codes and structure change only through an import that re-checks the whole tree."""

    list_display = ("tree_title", "max", "appraising_agency", "framework")
    list_filter = ("framework",)
    search_fields = ("code", "title")
    ordering = ("framework", "ordering")
    list_per_page = 200
    readonly_fields = ("framework", "parent", "code", "kind", "max_points", "ordering", "depth", "group", "rule")
    fields = ("framework", "parent", "code", "kind", "title", "max_points", "appraising_agency", "agency_merged",
              "rule", "evidence", "notes", "ordering", "depth", "group")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.framework.locked_at:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description="Tiêu chí", ordering="ordering")
    def tree_title(self, node: Node):
        return format_html('<span style="padding-left:{}em"><code>{}</code> {}</span>', node.depth * 1.5,
                           node.code, node.title)

    @admin.display(description="Điểm tối đa")
    def max(self, node: Node):
        return fmt(node.max_points)
