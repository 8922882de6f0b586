from django.contrib import admin

from chexian.org.models import DealerGroup, Department, Region, StaffRole, Store


@admin.register(DealerGroup)
class DealerGroupAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "group")


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region", "brand", "is_active")
    list_filter = ("region", "is_active")
    search_fields = ("code", "name")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "store")
    list_filter = ("kind",)


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "store", "group")
    list_filter = ("role", "store")
    search_fields = ("user__username", "user__first_name")
    autocomplete_fields = ("user",)
