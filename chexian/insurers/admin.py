"""Admin for the insurer master data. Insurers are maintained here by superusers;
licences and contracts can be looked at and corrected in their terms, but a
contract's status and its decisions only change through ``insurers.services``
(the approval flow keeps its history there)."""

from django.contrib import admin

from chexian.insurers.models import AgencyContract, AgencyLicence, ContractEvent, Insurer


@admin.register(Insurer)
class InsurerAdmin(admin.ModelAdmin):
    list_display = ("code", "short_name", "name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name", "short_name")


@admin.register(AgencyLicence)
class AgencyLicenceAdmin(admin.ModelAdmin):
    list_display = ("licence_no", "store", "valid_from", "valid_until")
    list_filter = ("store",)
    search_fields = ("licence_no", "store__code", "store__name")
    list_select_related = ("store",)


class ContractEventInline(admin.TabularInline):
    model = ContractEvent
    fields = ("at", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AgencyContract)
class AgencyContractAdmin(admin.ModelAdmin):
    list_display = ("store", "insurer", "status", "valid_from", "valid_until", "rate_ctpl", "rate_commercial")
    list_filter = ("status", "insurer", "store")
    search_fields = ("store__code", "store__name", "insurer__code", "insurer__short_name")
    list_select_related = ("store", "insurer")
    # The flow's fields: written by services.propose/approve/reject/record_legal_review/terminate.
    readonly_fields = (
        "store", "insurer", "status", "proposed_by", "decided_by", "decided_at", "decision_reason",
        "legal_reviewed_by", "legal_reviewed_at", "legal_opinion", "replaces", "created_at", "updated_at",
    )
    inlines = [ContractEventInline]

    def has_add_permission(self, request):
        # A new contract is a proposal: it goes through the approval flow (pages or API).
        return False

    def has_delete_permission(self, request, obj=None):
        return False
