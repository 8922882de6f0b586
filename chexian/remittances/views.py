"""Pages of insurer remittances: the list, a remittance with its lines and their
matches (match by hand, run the automatic matching, undo a match), entry by hand,
the import of the insurer's file, and the list of money still unmatched.
Scoped as everywhere: ``restrict``, ``get_or_404``; every write goes to ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from chexian.core.models import AuditLog
from chexian.core.views import ActionRequiredMixin, ObjectListView, field_rows
from chexian.org.permissions import can
from chexian.remittances import selectors, services
from chexian.remittances.choices import Purpose
from chexian.remittances.filtersets import RemittanceFilterSet, UnmatchedLineFilterSet
from chexian.remittances.forms import (
    DEFAULT_LINES,
    MAX_LINES,
    MatchForm,
    RemittanceForm,
    RemittanceImportForm,
    StatementMatchForm,
    UnmatchForm,
    line_formset,
)
from chexian.remittances.importer import ImportRefused
from chexian.remittances.models import Allocation


def _counts_message(counts: dict) -> str:
    return _("Matched automatically: %(matched)s lines, ¥%(amount)s. Lines with money still unmatched: "
             "%(unmatched)s.") % counts


class RemittanceListView(ObjectListView):
    required_action = "remittance.view"
    filterset_class = RemittanceFilterSet
    template_name = "remittances/remittance_list.html"
    title = gettext_lazy("Insurer remittances")
    add_action = "remittance.add"
    add_url_name = "remittances:remittance_create"

    def get_queryset(self):
        return selectors.remittances(self.request.user).order_by("-received_on", "-pk")

    def get_context_data(self, **kwargs):
        return super().get_context_data(may_import=can(self.request.user, "remittance.add"), **kwargs)


class RemittanceDetailView(ActionRequiredMixin, TemplateView):
    """A remittance, its lines and their matches; POST ``action`` = auto, match or unmatch."""

    required_action = "remittance.view"
    template_name = "remittances/remittance_detail.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.remittance = selectors.remittances(request.user).get_or_404(pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    @property
    def may_match(self) -> bool:
        remittance = self.remittance
        return can(self.request.user, "remittance.match", remittance.store_id)

    @property
    def match_form_class(self):
        return MatchForm if self.remittance.purpose == Purpose.CLAIMS else StatementMatchForm

    def get_context_data(self, bound_forms=None, **kwargs):
        remittance, user = self.remittance, self.request.user
        allocations = Allocation.objects.select_related("claim", "statement", "by", "reversed_by").order_by("at", "pk")
        lines = list(remittance.lines.prefetch_related(Prefetch("allocations", queryset=allocations))
                     .order_by("line_no"))
        for line in lines:
            line.remittance = remittance
        claims = remittance.purpose == Purpose.CLAIMS
        suggestions = selectors.suggested_cases(lines) if claims else {}
        may_match = self.may_match
        for line in lines:
            line.suggested_case = suggestions.get(line.pk)
            if may_match:
                for allocation in line.allocations.all():
                    if allocation.is_active:
                        allocation.unmatch_form = UnmatchForm(prefix=f"allocation-{allocation.pk}")
            if may_match and line.unallocated > 0:
                initial = ({"case": line.suggested_case.report_no if line.suggested_case else line.report_no}
                           if claims else {})
                line.match_form = (bound_forms or {}).get(line.pk) or self.match_form_class(
                    prefix=f"line-{line.pk}", initial=initial)
        history = (AuditLog.objects.restrict(user).for_object(remittance).select_related("content_type")[:50]
                   if can(user, "audit.view", remittance.store_id) else [])
        return super().get_context_data(
            remittance=remittance, lines=lines, may_match=may_match, history=history,
            properties=field_rows(remittance, ["number", "store", "insurer", "purpose", "received_on", "reference",
                                               "total_amount", "source", "file_name", "note", "created_by"]),
            **kwargs)

    def post(self, request, *args, **kwargs):
        if not self.may_match:
            raise PermissionDenied
        action = request.POST.get("action")
        handler = {"auto": self.auto_match, "match": self.match, "unmatch": self.unmatch}.get(action)
        if handler is None:
            raise Http404
        return handler(request)

    def auto_match(self, request):
        try:
            counts = services.auto_match(actor=request.user, remittance=self.remittance)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _counts_message(counts))
        return redirect(self.remittance.get_absolute_url())

    def match(self, request):
        line = self.remittance.lines.filter(pk=request.POST.get("line") or 0).first()
        if line is None:
            raise Http404
        form = self.match_form_class(request.POST, prefix=f"line-{line.pk}")
        if form.is_valid():
            if self.remittance.purpose == Purpose.CLAIMS:
                done = self._match_case(request, line, form)
            else:
                done = self._match_statement(request, line, form)
            if done:
                return redirect(f"{self.remittance.get_absolute_url()}#line-{line.line_no}")
        return self.render_to_response(self.get_context_data(bound_forms={line.pk: form}), status=400)

    def _match_case(self, request, line, form) -> bool:
        case = selectors.find_case(request.user, self.remittance, form.cleaned_data["case"])
        if case is None:
            form.add_error("case", _("No claim case with this report number or case number in your stores."))
            return False
        try:
            allocation = services.match(actor=request.user, line=line, case=case, amount=form.cleaned_data["amount"])
        except ValidationError as exc:
            form.add_service_error(exc)
            return False
        messages.success(request, _("¥%(amount)s of line %(line)s matched to case %(case)s.") % {
            "amount": allocation.amount, "line": line.line_no, "case": case.number})
        return True

    def _match_statement(self, request, line, form) -> bool:
        statement = selectors.find_statement(request.user, self.remittance, form.cleaned_data["statement"])
        if statement is None:
            form.add_error("statement", _("No commission statement with this number or invoice number in your "
                                          "stores."))
            return False
        try:
            allocation = services.match_statement(actor=request.user, line=line, statement=statement,
                                                  amount=form.cleaned_data["amount"])
        except ValidationError as exc:
            form.add_service_error(exc)
            return False
        messages.success(request, _("¥%(amount)s of line %(line)s matched to statement %(statement)s.") % {
            "amount": allocation.amount, "line": line.line_no, "statement": statement.number})
        return True

    def unmatch(self, request):
        allocation = (Allocation.objects.filter(line__remittance=self.remittance)
                      .filter(pk=request.POST.get("allocation") or 0).first())
        if allocation is None:
            raise Http404
        form = UnmatchForm(request.POST, prefix=f"allocation-{allocation.pk}")
        if not form.is_valid():
            messages.error(request, _("Say why the match is undone."))
        else:
            try:
                services.unmatch(actor=request.user, allocation=allocation, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("The match was undone: ¥%(amount)s is unmatched again.")
                                 % {"amount": allocation.amount})
        return redirect(self.remittance.get_absolute_url())


class RemittanceCreateView(ActionRequiredMixin, TemplateView):
    """A remittance entered by hand: the bank slip's details and the insurer's lines."""

    required_action = "remittance.add"
    template_name = "remittances/remittance_form.html"

    def lines_wanted(self) -> int:
        try:
            return max(1, min(int(self.request.GET.get("lines", DEFAULT_LINES)), MAX_LINES))
        except ValueError:
            return DEFAULT_LINES

    def get_context_data(self, form=None, formset=None, **kwargs):
        lines = self.lines_wanted()
        return super().get_context_data(
            form=form or RemittanceForm(user=self.request.user),
            formset=formset or line_formset(lines=lines), more_lines=min(lines + 10, MAX_LINES), **kwargs)

    def post(self, request, *args, **kwargs):
        form = RemittanceForm(request.POST, user=request.user)
        formset = line_formset(request.POST)
        if form.is_valid() and formset.is_valid():
            lines = [line.cleaned_data for line in formset.forms if line.cleaned_data]
            try:
                remittance = services.record_remittance(
                    actor=request.user, store=form.cleaned_data["store"], insurer=form.cleaned_data["insurer"],
                    data=form.service_data(), lines=lines)
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, _("Remittance %(number)s recorded.") % {"number": remittance.number})
                return redirect(remittance.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form, formset=formset), status=400)


class RemittanceImportView(ActionRequiredMixin, TemplateView):
    """The insurer's remittance list uploaded: all or nothing, every problem listed."""

    required_action = "remittance.add"
    template_name = "remittances/remittance_import.html"

    def get_context_data(self, form=None, **kwargs):
        from chexian.remittances.importer import COLUMNS

        return super().get_context_data(form=form or RemittanceImportForm(user=self.request.user),
                                        columns=COLUMNS, **kwargs)

    def post(self, request, *args, **kwargs):
        form = RemittanceImportForm(request.POST, request.FILES, user=request.user)
        problems = []
        if form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            try:
                remittance = services.import_remittance(
                    actor=request.user, store=data["store"], insurer=data["insurer"], file=upload, name=upload.name,
                    purpose=data["purpose"], received_on=data["received_on"], reference=data["reference"],
                    note=data["note"])
            except ImportRefused as exc:
                problems = exc.problems
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                text = _("Imported %(lines)s lines, ¥%(total)s, as remittance %(number)s.") % {
                    "lines": remittance.lines.count(), "total": remittance.total_amount, "number": remittance.number}
                if (data["auto_match"]
                        and can(request.user, "remittance.match", remittance.store_id)):
                    text = f"{text} {_counts_message(services.auto_match(actor=request.user, remittance=remittance))}"
                messages.success(request, text)
                return redirect(remittance.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form, problems=problems), status=400)


class UnmatchedLineListView(ObjectListView):
    """Money received and not yet allocated, oldest first: the list to work down."""

    required_action = "remittance.view"
    filterset_class = UnmatchedLineFilterSet
    template_name = "remittances/unmatched_list.html"
    title = gettext_lazy("Unmatched remittance money")

    def get_queryset(self):
        return selectors.unmatched_lines(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(may_import=can(self.request.user, "remittance.add"), **kwargs)
