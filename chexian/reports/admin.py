from django.contrib import admin

from chexian.reports.models import StoreTarget


@admin.register(StoreTarget)
class StoreTargetAdmin(admin.ModelAdmin):
    list_display = ("store", "year", "commission_target")
    list_filter = ("year",)
    search_fields = ("store__code", "store__name")
