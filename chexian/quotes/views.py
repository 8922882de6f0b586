"""Pages for quotes (SPEC §3.2), NetBox-style: each view declares its queryset,
filterset, form and template, and delegates the writing to ``services``.

Scoping: lists go through ``restrict(user, action)``; a quote is looked up with
``restrict(user, "view").get_or_404(pk=…)``, so another store's quote is the same
404 as a missing one — on the page, the PDF and the PNG alike. What the user may
then do with a quote they can see (record offers, choose) needs ``quote.change``
in its store, else 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, View

from chexian.core.models import AuditLog
from chexian.core.views import ActionRequiredMixin, ObjectListView, ObjectMixin, export_reason_required
from chexian.customers import selectors as customer_selectors
from chexian.customers.forms import stores_where
from chexian.org.permissions import can
from chexian.quotes import selectors, services, sheets
from chexian.quotes.filtersets import QuoteFilterSet
from chexian.quotes.forms import OfferForm, QuoteForm, QuoteVehicleForm, quotable_vehicles, vehicle_label
from chexian.quotes.models import Quote, QuoteOffer

AUDIT_ENTRIES_SHOWN = 50
PICKER_RESULTS = 20


class QuoteObjectMixin(ObjectMixin):
    model = Quote

    def get_queryset(self):
        return selectors.quote_with_offers(Quote.objects.restrict(self.request.user, "view"))


def may_change(user, quote) -> bool:
    return can(user, "quote.change", quote.store_id) and quote.status in services.OPEN_STATUSES


def issue_url(quote) -> str:
    """The policy issuing flow, started from this quote (``policies:policy_issue``)."""
    try:
        return reverse("policies:policy_issue") + f"?quote={quote.pk}"
    except NoReverseMatch:  # the policies pages are not installed
        return ""


# ---------------------------------------------------------------- list
class QuoteListView(ObjectListView):
    required_action = "quote.view"
    filterset_class = QuoteFilterSet
    template_name = "quotes/quote_list.html"
    title = gettext_lazy("Quotes")
    add_action, add_url_name = "quote.add", "quotes:quote_create"

    def get_queryset(self):
        return (
            Quote.objects.restrict(self.request.user, "view")
            .select_related("store", "vehicle", "customer", "chosen_offer__insurer")
            .annotate(offer_count=Count("offers"))
            .order_by("-created_at", "-id")
        )


# ---------------------------------------------------------------- create
class QuoteCreateView(ActionRequiredMixin, FormView):
    """A new quote in two steps: find the vehicle (``?vehicle=<pk>`` also comes from
    the vehicle page), then the plan: a recommendation template or coverages ticked."""

    required_action = "quote.add"
    form_class = QuoteForm
    template_name = "quotes/quote_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.vehicle = None
        if request.user.is_authenticated and (pk := request.GET.get("vehicle", "")):
            self.vehicle = quotable_vehicles(request.user).get_or_404(pk=pk)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if self.vehicle is None:
            form = QuoteVehicleForm(request.GET or None, user=request.user)
            return render(request, "quotes/quote_vehicle.html", {"form": form, "title": _("New quote")})
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.vehicle is None:
            return redirect("quotes:quote_create")
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(user=self.request.user, vehicle=self.vehicle)
        return kwargs

    def form_valid(self, form):
        try:
            quote = services.create_quote(
                actor=self.request.user,
                vehicle=self.vehicle,
                start_date=form.cleaned_data["start_date"],
                template=form.cleaned_data["template"],
                items=form.items(),
                valid_days=form.cleaned_data["valid_days"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_service_error(exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Quote for %(vehicle)s started: now record each insurer's figures.")
                         % {"vehicle": self.vehicle})
        return redirect("quotes:quote_detail", pk=quote.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=_("New quote for %(vehicle)s") % {"vehicle": vehicle_label(self.vehicle)},
            vehicle=self.vehicle,
            form_id="quote-form",
            cancel_url=reverse("quotes:quote_list"),
        )
        return context


class VehicleChoicesView(ActionRequiredMixin, View):
    """GET (htmx): ``<option>``s of the vehicles matching ``q`` that the user may quote."""

    required_action = "quote.add"

    def get(self, request):
        user = request.user
        vehicles = []
        if term := request.GET.get("q", "").strip():
            vehicles = (
                customer_selectors.search_vehicles(user, term)
                .filter(store__in=stores_where(user, "quote.add"))
                .order_by("plate", "pk")[:PICKER_RESULTS]
            )
        options = [(v.pk, vehicle_label(v)) for v in vehicles]
        return render(request, "quotes/vehicle_options.html", {"options": options, "q": term})


# ---------------------------------------------------------------- detail
class QuoteDetailView(ActionRequiredMixin, QuoteObjectMixin, DetailView):
    required_action = "quote.view"
    template_name = "quotes/quote_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, quote = self.request.user, self.object
        changeable = may_change(user, quote) and quote.valid_until >= timezone.localdate()
        context.update(
            table=selectors.comparison(quote),
            renewal=services.renewal_comparison(quote),
            value_added_services=services.value_added_services(quote),
            can_change=changeable,
            issue_url=issue_url(quote) if quote.chosen_offer_id and can(user, "policy.add", quote.store_id) else "",
            expired=quote.valid_until < timezone.localdate(),
            export_reason_required=export_reason_required(user),
            audit_entries=self.audit_entries(quote),
        )
        return context

    def audit_entries(self, quote):
        if not can(self.request.user, "audit.view", quote.store_id):
            return None
        offer_type = ContentType.objects.get_for_model(QuoteOffer)
        offer_ids = [str(o.pk) for o in quote.offers.all()]
        return AuditLog.objects.restrict(self.request.user).filter(
            Q(content_type=ContentType.objects.get_for_model(Quote), object_id=str(quote.pk))
            | Q(content_type=offer_type, object_id__in=offer_ids)
        )[:AUDIT_ENTRIES_SHOWN]


# ---------------------------------------------------------------- offers
class OfferEditView(ActionRequiredMixin, QuoteObjectMixin, FormView):
    """offer_add (no ``offer_pk``) and offer_edit: an insurer's figures for the plan.
    Re-entering them (the insurer re-quoted) replaces the insurer's offer."""

    required_action = "quote.change"
    object_action = "quote.change"
    form_class = OfferForm
    template_name = "quotes/offer_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.offer = None
        return super().dispatch(request, *args, **kwargs)

    def load_object(self):
        quote = super().load_object()
        if "offer_pk" in self.kwargs:
            self.offer = get_object_or_404(QuoteOffer.objects.select_related("insurer"), quote=quote,
                                           pk=self.kwargs["offer_pk"])
        return quote

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(user=self.request.user, quote=self.object, offer=self.offer)
        return kwargs

    def form_valid(self, form):
        insurer = self.offer.insurer if self.offer else form.cleaned_data["insurer"]
        try:
            services.record_offer(
                actor=self.request.user, quote=self.object, insurer=insurer, lines=form.lines(), **form.figures()
            )
        except ValidationError as exc:
            form.add_service_error(exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Figures of %(insurer)s recorded.") % {"insurer": insurer})
        return redirect("quotes:quote_detail", pk=self.object.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        title = (
            _("Re-enter the figures of %(insurer)s") % {"insurer": self.offer.insurer}
            if self.offer
            else _("Record an insurer's figures")
        )
        context.update(
            object=self.object,
            offer=self.offer,
            title=title,
            form_id="offer-form",
            cancel_url=reverse("quotes:quote_detail", kwargs={"pk": self.object.pk}),
        )
        return context


class OfferChooseView(ActionRequiredMixin, QuoteObjectMixin, View):
    """POST: the customer chose this insurer's offer."""

    required_action = "quote.change"
    object_action = "quote.change"
    http_method_names = ["post"]

    def post(self, request, pk, offer_pk):
        offer = get_object_or_404(QuoteOffer.objects.select_related("insurer"), quote=self.object, pk=offer_pk)
        try:
            services.choose_offer(actor=request.user, quote=self.object, offer=offer)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("%(insurer)s chosen.") % {"insurer": offer.insurer})
        return redirect("quotes:quote_detail", pk=self.object.pk)


# ---------------------------------------------------------------- the customer's quote sheet
class QuoteSheetView(ActionRequiredMixin, QuoteObjectMixin, View):
    """The quote sheet as a download; each one is an export in the audit log
    (with the reason, which auditors must give)."""

    required_action = "quote.view"
    fmt = "pdf"
    content_type = "application/pdf"

    def get(self, request, pk):
        reason = request.GET.get("reason", "").strip()
        if not reason and export_reason_required(request.user):
            messages.error(request, _("Give the reason for this export: auditors' exports are logged with one."))
            return redirect("quotes:quote_detail", pk=pk)
        content = sheets.export_sheet(self.object, user=request.user, fmt=self.fmt, reason=reason)
        response = HttpResponse(content, content_type=self.content_type)
        disposition = "inline" if self.fmt == "png" else "attachment"
        response["Content-Disposition"] = f'{disposition}; filename="quote-{self.object.pk}.{self.fmt}"'
        response["Cache-Control"] = "no-store"
        return response


class QuoteSheetPdfView(QuoteSheetView):
    fmt, content_type = "pdf", "application/pdf"


class QuoteSheetPngView(QuoteSheetView):
    fmt, content_type = "png", "image/png"
