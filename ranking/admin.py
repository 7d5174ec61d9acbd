"""The ranking stage in the admin (issue #13): every model is read-only. Facts, ranking versions, the head's
grade and the lost-points analysis are written through ``ranking.services`` and ``ranking.lost_points``, which
check the states (a submitted or published ranking, the analysis' deadlines) and versions; report jobs by
their tasks. The admin shows them, with their history where they keep one."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from config.admin_guard import ReadOnlyAdmin

from .models import HeadGrade, LostPointNote, LostPointsPlan, RankingVersion, ReportJob, UnitFacts


class ReadOnlyHistory(SimpleHistoryAdmin, ReadOnlyAdmin):
    """Shown with their history; written only by the secretariat's and the units' pages."""


@admin.register(RankingVersion)
class RankingVersionAdmin(ReadOnlyAdmin):
    list_display = ("period", "block", "number", "status")
    list_filter = ("status",)


for model in (UnitFacts, HeadGrade, LostPointNote):
    admin.site.register(model, ReadOnlyHistory)
for model in (ReportJob, LostPointsPlan):
    admin.site.register(model, ReadOnlyAdmin)
