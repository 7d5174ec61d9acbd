from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from config.admin_guard import ReadOnlyAdmin

from .models import (
    AgencyScore,
    Appraisal,
    AppraisalRound,
    CouncilDecision,
    CouncilMember,
    LeaderForm,
    PaperTally,
    QualityLevel,
    SupplementRequest,
)


@admin.register(CouncilMember)
class CouncilMemberAdmin(admin.ModelAdmin):
    list_display = ("user", "period", "role", "agency", "keywords", "home_unit")
    list_filter = ("period", "role")


@admin.register(Appraisal)
class AppraisalAdmin(SimpleHistoryAdmin):
    """Read-only: appraised scores change through the council's pages (closing and versions enforced)."""

    list_display = ("submission", "node", "points", "updated_by", "updated_at")
    list_filter = ("submission__period",)
    readonly_fields = [f.name for f in Appraisal._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(AppraisalRound)
class AppraisalRoundAdmin(ReadOnlyAdmin):
    """Read-only: a round is released and closed through ``appraisal.services`` (prerequisites listed)."""

    list_display = ("period", "received_on", "released_at", "closed_at")


class ReadOnlyHistory(SimpleHistoryAdmin, ReadOnlyAdmin):
    """Shown with their history; written only by the council's and the leaders' pages."""


for model in (QualityLevel, SupplementRequest, LeaderForm, PaperTally):
    admin.site.register(model, ReadOnlyHistory if hasattr(model, "history") else ReadOnlyAdmin)


@admin.register(AgencyScore, CouncilDecision)
class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """Read-only: agency scores and the council's decisions change through the council's pages only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Issue #13: the paper dossiers (appraisal.paper: marked and recorded by the secretariat, late ones never
# entered), the frozen results of a closed round and the reminders of the blocks' deadlines, shown only.
from .models import AppraisedResult, DeadlineReminder, PaperBlock, PaperDossier  # noqa: E402

admin.site.register(PaperDossier, ReadOnlyHistory)
for model in (PaperBlock, AppraisedResult, DeadlineReminder):
    admin.site.register(model, ReadOnlyAdmin)
