"""Pages for customers and vehicles (SPEC §3.1), NetBox-style: each view declares
its queryset, filterset, form and template, and delegates the writing to
``services``.

Scoping: lists go through ``restrict(user, action)``; a single object is looked
up with ``restrict(user, "view").get_or_404(pk=…)``, so another store's record
is the same 404 as a missing one. What the user may then do with a record they
can see (change, merge, transfer) is decided per record by ``access.may`` — a
sales consultant may change only the customers they own — and refused with 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, View

from chexian.aftersales.selectors import vehicle_orders
from chexian.core.models import AuditLog
from chexian.core.views import (
    ActionRequiredMixin,
    ObjectEditView,
    ObjectExportView,
    ObjectListView,
    ObjectMixin,
    field_rows,
)
from chexian.customers import exports, selectors, services
from chexian.customers.access import may, may_on_vehicle, shown_mobile
from chexian.customers.filtersets import CustomerFilterSet, VehicleFilterSet
from chexian.customers.forms import (
    CustomerForm,
    CustomerMergeForm,
    VehicleForm,
    VehicleTransferForm,
    customer_label,
    staff_label,
    stores_where,
)
from chexian.customers.models import Customer, Vehicle, VehicleOwnership
from chexian.org.permissions import can
from chexian.policies.models import Policy

AUDIT_ENTRIES_SHOWN = 50
PICKER_RESULTS = 20
# Actions a picker may narrow its customers to (the stores where the user may take it).
PICKER_ACTIONS = {"vehicle.add"}


# ---------------------------------------------------------------- customers
class CustomerObjectMixin(ObjectMixin):
    """A customer's permissions are its store's, or its owner's for a sales consultant."""

    def object_allowed(self, obj, action):
        return may(self.request.user, action, obj)

class CustomerListView(ObjectListView):
    required_action = "customer.view"
    filterset_class = CustomerFilterSet
    template_name = "customers/customer_list.html"
    title = gettext_lazy("Customers")
    add_action, add_url_name = "customer.add", "customers:customer_create"
    export_action, export_url_name = "customer.export", "customers:customer_export"

    def get_queryset(self):
        return (
            Customer.objects.restrict(self.request.user, "view")
            .active()
            .select_related("store", "owner_staff")
            .prefetch_related(Prefetch("vehicles", queryset=Vehicle.objects.only("id", "plate", "vin", "owner_id")))
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for customer in context["object_list"]:
            customer.shown_mobile = shown_mobile(self.request.user, customer)
            customer.owner_staff_label = staff_label(customer.owner_staff) if customer.owner_staff else ""
        return context


class CustomerDetailView(ActionRequiredMixin, CustomerObjectMixin, DetailView):
    required_action = "customer.view"
    template_name = "customers/customer_detail.html"

    def get_queryset(self):
        return (
            Customer.objects.restrict(self.request.user, "view")
            .select_related("store", "owner_staff", "merged_into")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, customer = self.request.user, self.object
        vehicles = Vehicle.objects.restrict(user, "view").filter(owner=customer).select_related("store")
        context.update(
            properties=field_rows(
                customer,
                ["store", "kind", "uscc", "source", "area", "address", "portrait_tags", "visit_habits",
                 "preferred_contact_time", "consent_outreach", "consent_at", "owner_staff", "note"],
                {"owner_staff": staff_label(customer.owner_staff) if customer.owner_staff else ""},
            ),
            shown_mobile=shown_mobile(user, customer),
            shown_mobile2=shown_mobile(user, customer, customer.mobile2),
            vehicles=vehicles,
            merged_from=Customer.objects.restrict(user, "view").filter(merged_into=customer),
            can_edit=may(user, "customer.change", customer) and not customer.merged_into_id,
            can_unmask=bool(customer.id_number_masked) and may(user, "customer.unmask", customer),
            can_merge=may(user, "customer.merge", customer) and not customer.merged_into_id,
            can_add_vehicle=can(user, "vehicle.add", customer.store_id) and not customer.merged_into_id,
            audit_entries=self.audit_entries(customer),
        )
        return context

    def audit_entries(self, customer):
        if not can(self.request.user, "audit.view", customer.store_id):
            return None
        return AuditLog.objects.restrict(self.request.user).for_object(customer)[:AUDIT_ENTRIES_SHOWN]


class CustomerEditView(CustomerObjectMixin, ObjectEditView):
    """customer_create (no pk) and customer_edit."""

    form_class = CustomerForm
    template_name = "customers/customer_form.html"
    detail_url_name = "customers:customer_detail"
    list_url_name = "customers:customer_list"

    @property
    def required_action(self):
        return "customer.change" if "pk" in self.kwargs else "customer.add"

    object_action = "customer.change"

    def get_queryset(self):
        return Customer.objects.restrict(self.request.user, "view").active().select_related("store")

    def save(self, form):
        return services.save_customer(
            actor=self.request.user, data=form.service_data(), customer=getattr(self, "object", None)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = context["object"]
        context["title"] = _("Edit %(object)s") % {"object": obj} if obj else _("Add customer")
        context["form_id"] = "customer-form"
        return context


class CustomerUnmaskView(ActionRequiredMixin, CustomerObjectMixin, View):
    """POST (htmx): the identity number in clear, for the detail page. The service
    checks the permission on the customer and writes the audit entry."""

    required_action = "customer.unmask"
    http_method_names = ["post"]
    model = Customer

    def post(self, request, pk):
        number = services.unmask_id_number(
            actor=request.user, customer=self.object, reason=request.POST.get("reason", "")
        )
        return render(request, "customers/customer_id_number.html", {"object": self.object, "id_number": number})


class CustomerMergeView(ActionRequiredMixin, CustomerObjectMixin, FormView):
    """Merge duplicates of the same store into this customer. The candidates are
    likely duplicates (same name or mobile) or the results of a search."""

    required_action = "customer.merge"
    object_action = "customer.merge"
    form_class = CustomerMergeForm
    template_name = "customers/customer_merge.html"

    def get_queryset(self):
        return Customer.objects.restrict(self.request.user, "view").select_related("store")

    def candidates(self):
        target = self.object
        same_store = (
            Customer.objects.restrict(self.request.user, "view")
            .active()
            .filter(store_id=target.store_id)
            .exclude(pk=target.pk)
            .select_related("store")
        )
        if term := self.request.GET.get("q", "").strip():
            matches = selectors.search_customers(self.request.user, term).values("pk")
            return list(same_store.filter(pk__in=matches)[:PICKER_RESULTS])
        likely = Q(name=target.name)
        if target.mobile:
            likely |= Q(mobile=target.mobile)
        return list(same_store.filter(likely)[:PICKER_RESULTS])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(user=self.request.user, target=self.object, candidates=self.candidates())
        return kwargs

    def form_valid(self, form):
        try:
            services.merge_customers(
                actor=self.request.user,
                target=self.object,
                duplicates=list(form.cleaned_data["duplicates"]),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_service_error(exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Merged into %(object)s.") % {"object": self.object})
        return redirect("customers:customer_detail", pk=self.object.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object,
            title=_("Merge duplicates into %(object)s") % {"object": self.object},
            q=self.request.GET.get("q", ""),
        )
        return context


class CustomerChoicesView(ActionRequiredMixin, View):
    """GET (htmx): ``<option>``s of the customers matching ``q``, for the pickers
    of the vehicle and transfer forms; optionally one store, minus one customer."""

    required_action = "customer.view"

    def get(self, request):
        user = request.user
        customers = Customer.objects.none()
        if term := request.GET.get("q", "").strip():
            customers = selectors.search_customers(user, term).select_related("store").order_by("name", "pk")
            if (store := request.GET.get("store", "")).isdigit():
                customers = customers.filter(store_id=store)
            if (exclude := request.GET.get("exclude", "")).isdigit():
                customers = customers.exclude(pk=exclude)
            if (action := request.GET.get("action", "")) in PICKER_ACTIONS:
                customers = customers.filter(store__in=stores_where(user, action))
        options = [(c.pk, customer_label(user, c)) for c in customers[:PICKER_RESULTS]]
        return render(request, "customers/customer_options.html", {"options": options, "q": term})


class CustomerExportView(ObjectExportView):
    required_action = "customer.export"
    filterset_class = CustomerFilterSet
    list_url_name = "customers:customer_list"

    def get_queryset(self):
        return Customer.objects.restrict(self.request.user, "export").active().select_related("store", "owner_staff")

    def export(self, **kwargs):
        return exports.export_customers(**kwargs)


# ---------------------------------------------------------------- vehicles
class VehicleObjectMixin(ObjectMixin):
    def get_queryset(self):
        return Vehicle.objects.restrict(self.request.user, "view").select_related("store", "owner", "owner__store")

    def object_allowed(self, obj, action):
        return may_on_vehicle(self.request.user, action, obj)


class VehicleListView(ObjectListView):
    required_action = "vehicle.view"
    filterset_class = VehicleFilterSet
    template_name = "customers/vehicle_list.html"
    title = gettext_lazy("Vehicles")
    add_action, add_url_name = "vehicle.add", "customers:vehicle_create"
    export_action, export_url_name = "vehicle.export", "customers:vehicle_export"

    def get_queryset(self):
        return Vehicle.objects.restrict(self.request.user, "view").select_related("store", "owner")


class VehicleDetailView(ActionRequiredMixin, VehicleObjectMixin, DetailView):
    required_action = "vehicle.view"
    template_name = "customers/vehicle_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, vehicle = self.request.user, self.object
        context.update(
            properties=field_rows(
                vehicle,
                ["store", "vin", "engine_no", "brand", "series", "model_name", "is_own_brand", "energy_type",
                 "is_new_energy", "usage", "seats", "first_registration_date", "purchase_date", "sold_here",
                 "new_car_price", "mileage", "last_visit_date"],
            ),
            owner_mobile=shown_mobile(user, vehicle.owner),
            ownerships=VehicleOwnership.objects.restrict(user, "view")
            .filter(vehicle=vehicle)
            .select_related("customer"),
            can_edit=may_on_vehicle(user, "vehicle.change", vehicle),
            can_transfer=may_on_vehicle(user, "vehicle.transfer", vehicle),
            policies=Policy.objects.restrict(user, "view").filter(vehicle=vehicle).select_related("insurer")[:20],
            can_view_policies=can(user, "policy.view", vehicle.store_id),
            can_issue_policy=can(user, "policy.add", vehicle.store_id),
            can_quote=can(user, "quote.add", vehicle.store_id),
            can_view_service=can(user, "service.view", vehicle.store_id),
            can_add_service=can(user, "service.add", vehicle.store_id),
            service_orders=vehicle_orders(user, vehicle),
            audit_entries=(
                AuditLog.objects.restrict(user).for_object(vehicle)[:AUDIT_ENTRIES_SHOWN]
                if can(user, "audit.view", vehicle.store_id)
                else None
            ),
        )
        return context


class VehicleEditView(VehicleObjectMixin, ObjectEditView):
    """vehicle_create (no pk; ``?owner=`` preselects the owner) and vehicle_edit."""

    form_class = VehicleForm
    template_name = "customers/vehicle_form.html"
    detail_url_name = "customers:vehicle_detail"
    list_url_name = "customers:vehicle_list"
    object_action = "vehicle.change"

    @property
    def required_action(self):
        return "vehicle.change" if "pk" in self.kwargs else "vehicle.add"

    def get_initial(self):
        initial = super().get_initial()
        if "pk" not in self.kwargs and (owner := self.request.GET.get("owner", "")).isdigit():
            initial["owner"] = int(owner)
        return initial

    def save(self, form):
        return services.save_vehicle(
            actor=self.request.user, data=form.service_data(), vehicle=getattr(self, "object", None)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = context["object"]
        context["title"] = _("Edit vehicle %(object)s") % {"object": obj} if obj else _("Add vehicle")
        context["form_id"] = "vehicle-form"
        return context


class VehicleTransferView(ActionRequiredMixin, VehicleObjectMixin, FormView):
    """过户: the vehicle changes hands to another customer of the same store."""

    required_action = "vehicle.transfer"
    object_action = "vehicle.transfer"
    form_class = VehicleTransferForm
    template_name = "customers/vehicle_transfer.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(user=self.request.user, vehicle=self.object)
        return kwargs

    def form_valid(self, form):
        try:
            services.transfer_vehicle(
                actor=self.request.user,
                vehicle=self.object,
                new_owner=form.cleaned_data["new_owner"],
                date=form.cleaned_data["date"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_service_error(exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(vehicle)s now belongs to %(owner)s.")
            % {"vehicle": self.object, "owner": form.cleaned_data["new_owner"]},
        )
        return redirect("customers:vehicle_detail", pk=self.object.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object,
            title=_("Transfer %(object)s to a new owner") % {"object": self.object},
            form_id="transfer-form",
            cancel_url=reverse("customers:vehicle_detail", kwargs={"pk": self.object.pk}),
            owner_mobile=shown_mobile(self.request.user, self.object.owner),
        )
        return context


class VehicleExportView(ObjectExportView):
    required_action = "vehicle.export"
    filterset_class = VehicleFilterSet
    list_url_name = "customers:vehicle_list"

    def get_queryset(self):
        return Vehicle.objects.restrict(self.request.user, "export").select_related("store", "owner")

    def export(self, **kwargs):
        return exports.export_vehicles(**kwargs)
