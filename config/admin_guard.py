"""Issue #15 item 6: every stateful or guarded model is read-only in the admin. Its writes go through the
services that check deadlines, states and versions (a period's deadline, a block's framework once sheets
exist, a closed round, quality levels, tallies, windows); the admin shows them and their history."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and shows; never adds, changes or deletes."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
