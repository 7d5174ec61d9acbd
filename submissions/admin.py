from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from config.admin_guard import ReadOnlyAdmin, ReadOnlyInline

from .models import Block, Entry, Evidence, Period, PeriodBlock, RefusedAccess, Role, Submission, Unit, User, Window


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    autocomplete_fields = ("unit",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets,
                 ("Hồ sơ", {"fields": ("full_name", "position", "must_change_password")}))
    list_display = ("username", "full_name", "email", "is_staff", "is_active")
    search_fields = ("username", "full_name", "email")
    inlines = [RoleInline]


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "authority", "excellent_quota", "ordering")
    list_filter = ("authority",)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "block", "authority", "active")
    list_filter = ("authority", "block", "active")
    search_fields = ("name", "code")


class PeriodBlockInline(ReadOnlyInline):
    model = PeriodBlock


@admin.register(Period)
class PeriodAdmin(ReadOnlyAdmin):
    """Read-only: a period, its frameworks, quotas and deadlines change on the secretariat's period form
    (``services.period_save`` refuses a framework swap once sheets exist and a quota once submitted)."""

    list_display = ("name", "authority", "year", "kind", "opens_at", "closes_at")
    inlines = [PeriodBlockInline]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "unit", "authority", "agency")
    list_filter = ("kind",)
    search_fields = ("user__username", "user__full_name")


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    """Read-only: submissions change only through the unit's pages, which enforce the deadline."""

    list_display = ("unit", "period", "status", "sent_at", "self_total")
    list_filter = ("period", "status")
    readonly_fields = [f.name for f in Submission._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Entry)
class EntryAdmin(SimpleHistoryAdmin):
    list_display = ("submission", "node", "points", "updated_by", "updated_at")
    readonly_fields = [f.name for f in Entry._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Evidence)
class EvidenceAdmin(SimpleHistoryAdmin):
    list_display = ("original_name", "doc_number", "signature_status", "uploaded_by", "uploaded_at", "removed_at")
    readonly_fields = [f.name for f in Evidence._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Window)
class WindowAdmin(ReadOnlyAdmin):
    """Read-only: windows are opened by the secretariat's and the council's pages, which check the round."""

    list_display = ("submission", "opens_at", "closes_at", "created_by")


@admin.register(RefusedAccess)
class RefusedAccessAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "status", "method", "path", "ip")
    list_filter = ("status",)
    search_fields = ("path", "user__username", "ip")
    readonly_fields = ("at", "user", "status", "method", "path", "ip")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --------------------------------------------------------------------------- issue #13: the models added since
# Every one is written by a service that checks a state, a deadline or a role (the reorganisation sheet, the
# sending, the signed summary, the approver's department page, the transitions); the admin only shows them.

from .models import (  # noqa: E402
    Assignment,
    Department,
    DepartmentMember,
    DepartmentNode,
    EndorsementMinutes,
    ManualReminder,
    ReminderSent,
    SelfReport,
    SignedSummary,
    StateChange,
    UnitLineage,
)


class ReadOnlyHistory(SimpleHistoryAdmin, ReadOnlyAdmin):
    """Shown with their history (who changed what, when); written only through the pages' services."""


@admin.register(UnitLineage)
class UnitLineageAdmin(ReadOnlyAdmin):
    """Read-only: recorded by the reorganisation sheet, which checks the organisation (``reorganisation``)."""

    list_display = ("predecessor", "successor", "kind", "effective_on", "basis", "recorded_by")
    list_filter = ("kind",)
    search_fields = ("predecessor__name", "successor__name")


@admin.register(StateChange)
class StateChangeAdmin(ReadOnlyAdmin):
    """The audit of one-way steps: never changed afterwards."""

    list_display = ("at", "period", "object_type", "action", "from_state", "to_state", "actor")
    list_filter = ("object_type", "action")


class DepartmentMemberInline(ReadOnlyInline):
    model = DepartmentMember


@admin.register(Department)
class DepartmentAdmin(ReadOnlyHistory):
    """Read-only: the unit's approver manages departments on "Phòng và giao tiêu chí" (a department with criteria
    in a sent sheet cannot be removed); the history says who changed the name, members or sections, and when."""

    list_display = ("name", "code", "unit")
    search_fields = ("name", "unit__name")
    inlines = [DepartmentMemberInline]


admin.site.register(PeriodBlock, ReadOnlyAdmin)
for model in (EndorsementMinutes, SignedSummary, Assignment, ReminderSent, ManualReminder):
    admin.site.register(model, ReadOnlyAdmin)
for model in (SelfReport, DepartmentMember, DepartmentNode):
    admin.site.register(model, ReadOnlyHistory)
