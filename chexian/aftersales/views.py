"""Pages of service orders: the list, one order, entering one by hand, and the
vehicle search of the form. Scoping as everywhere: lists through
``restrict(user, "view")``, one order through ``get_or_404`` (another store's is
the same 404 as a missing one), writing through ``services``."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, View

from chexian.aftersales import services
from chexian.aftersales.filtersets import ServiceOrderFilterSet
from chexian.aftersales.forms import ServiceOrderForm, recording_vehicles
from chexian.aftersales.models import ServiceOrder
from chexian.core.models import AuditLog
from chexian.core.views import ActionRequiredMixin, ObjectEditView, ObjectListView, ObjectMixin, field_rows
from chexian.customers import selectors
from chexian.org.permissions import can
from chexian.policies.forms import vehicle_label

AUDIT_ENTRIES_SHOWN = 50
PICKER_RESULTS = 20


class ServiceOrderObjectMixin(ObjectMixin):
    model = ServiceOrder

    def get_queryset(self):
        return ServiceOrder.objects.restrict(self.request.user, "view").select_related(
            "store", "vehicle", "customer"
        )


class ServiceOrderListView(ObjectListView):
    required_action = "service.view"
    filterset_class = ServiceOrderFilterSet
    template_name = "aftersales/service_order_list.html"
    title = gettext_lazy("Service orders")
    add_action, add_url_name = "service.add", "aftersales:service_order_create"

    def get_queryset(self):
        return ServiceOrder.objects.restrict(self.request.user, "view").select_related(
            "store", "vehicle", "customer"
        )


class ServiceOrderDetailView(ActionRequiredMixin, ServiceOrderObjectMixin, DetailView):
    required_action = "service.view"
    template_name = "aftersales/service_order_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, order = self.request.user, self.object
        context.update(
            properties=field_rows(order, ["store", "number", "kind", "opened_on", "closed_on", "mileage", "advisor",
                                          "source", "note"]),
            money_rows=field_rows(order, ["amount", "labour_amount", "parts_amount"]),
            audit_entries=(
                AuditLog.objects.restrict(user).for_object(order)[:AUDIT_ENTRIES_SHOWN]
                if can(user, "audit.view", order.store_id) else None
            ),
        )
        return context


class ServiceOrderCreateView(ServiceOrderObjectMixin, ObjectEditView):
    """service_order_create: an order the DMS file does not bring (yet); ``?vehicle=`` preselects the car."""

    required_action = "service.add"
    form_class = ServiceOrderForm
    template_name = "aftersales/service_order_form.html"
    detail_url_name = "aftersales:service_order_detail"
    list_url_name = "aftersales:service_order_list"

    def get_initial(self):
        initial = super().get_initial()
        if (vehicle := self.request.GET.get("vehicle", "")).isdigit():
            initial["vehicle"] = int(vehicle)
        return initial

    def save(self, form):
        return services.save_service_order(actor=self.request.user, data=form.service_data())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=_("Add service order"), form_id="service-order-form")
        return context


class VehicleChoicesView(ActionRequiredMixin, View):
    """GET (htmx): ``<option>``s of the vehicles matching ``q`` that the user may record an order for."""

    required_action = "service.add"

    def get(self, request):
        vehicles = []
        if term := request.GET.get("q", "").strip():
            vehicles = list(
                selectors.search_vehicles(request.user, term)
                .filter(pk__in=recording_vehicles(request.user).values("pk"))
                .order_by("plate", "pk")[:PICKER_RESULTS]
            )
        options = [(v.pk, vehicle_label(v)) for v in vehicles]
        return render(request, "policies/vehicle_options.html", {"options": options, "q": term})
