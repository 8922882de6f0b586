"""Policies in the admin: read-only. A policy is issued, endorsed and cancelled
through ``services`` (pages, API, import), which apply the rules and write the
audit log; the admin only looks."""

from django.contrib import admin

from chexian.policies.models import Cancellation, Endorsement, Policy, PolicyCoverage


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PolicyCoverageInline(ReadOnlyMixin, admin.TabularInline):
    model = PolicyCoverage
    fields = ("coverage", "limit", "premium", "deductible")
    extra = 0


class EndorsementInline(ReadOnlyMixin, admin.TabularInline):
    model = Endorsement
    fields = ("effective_date", "kind", "before", "after", "premium_change", "reason", "created_by")
    extra = 0


class CancellationInline(ReadOnlyMixin, admin.StackedInline):
    model = Cancellation
    fields = ("reason", "effective_date", "refund_amount", "commission_clawback", "note", "created_by")
    extra = 0


@admin.register(Policy)
class PolicyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("number", "insurer", "line", "store", "vehicle", "start_date", "end_date", "premium",
                    "business_type", "status")
    list_filter = ("line", "status", "business_type", "insurer", "store")
    search_fields = ("number",)
    date_hierarchy = "start_date"
    list_select_related = ("insurer", "store", "vehicle")
    inlines = [PolicyCoverageInline, EndorsementInline, CancellationInline]
