"""Pages of the commission statements: the finance dashboard and list (with the
three-month aging flag and the build form), one statement with its lines side by
side and its life-cycle actions, the line-by-line entry of the insurer's figures,
and the Excel and PDF exports. Scoped as everywhere (``restrict``, 404 for another
store's statement); every write goes through ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from chexian.core.views import (
    ActionRequiredMixin,
    ObjectListView,
    StoreChoiceMixin,
    apply_service_error,
    field_rows,
)
from chexian.org.permissions import can
from chexian.remittances.choices import Purpose
from chexian.remittances.selectors import unmatched_lines
from chexian.statements import exports, selectors, services
from chexian.statements.choices import Difference, State
from chexian.statements.confirmation import ConfirmationRefused, import_confirmation
from chexian.statements.filtersets import StatementFilterSet
from chexian.statements.forms import BuildForm, CloseForm, ConfirmationUploadForm, InvoiceForm, last_month

LINES_PER_PAGE = 200


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


class StatementListView(StoreChoiceMixin, ObjectListView):
    """The finance dashboard: aged commission first, then the statements per state and the list."""

    required_action = "statement.view"
    store_action = "statement.manage"
    filterset_class = StatementFilterSet
    template_name = "statements/statement_list.html"
    title = gettext_lazy("Commission statements")

    def get_queryset(self):
        return selectors.statements(self.request.user).order_by("-month", "store__code", "insurer__short_name")

    def get_context_data(self, build_form=None, **kwargs):
        user = self.request.user
        may_manage = can(user, "statement.manage")
        return super().get_context_data(
            aging=selectors.aging_summary(user), aged=selectors.aged(user)[:20], by_state=selectors.by_state(user),
            unmatched_commission=unmatched_lines(user).filter(remittance__purpose=Purpose.COMMISSIONS).count(),
            may_manage=may_manage, stores=self.stores() if may_manage else [],
            build_form=build_form or BuildForm(initial={"month": last_month()}), **kwargs)


class BuildView(ActionRequiredMixin, StoreChoiceMixin, View):
    required_action = "statement.manage"
    store_action = "statement.manage"

    def post(self, request):
        form = BuildForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors.get("month", [])))
            return redirect("statements:statement_list")
        store = self.chosen_store() if request.POST.get("store") else None
        if request.POST.get("store") and store is None:
            raise PermissionDenied
        try:
            result = services.build(actor=request.user, month=form.cleaned_data["month"],
                                    stores=[store] if store else None)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
            return redirect("statements:statement_list")
        text = _("%(month)s: %(created)s statements built, %(rebuilt)s drafts rebuilt, %(lines)s lines.") % {
            "month": f"{result.month:%Y-%m}", "created": len(result.created), "rebuilt": len(result.rebuilt),
            "lines": result.lines}
        if result.kept:
            text += " " + _("Already sent and left as they are: %(numbers)s.") % {
                "numbers": ", ".join(s.number for s in result.kept)}
        messages.success(request, text)
        return redirect(f"{reverse('statements:statement_list')}?month={result.month:%Y-%m}")


class StatementMixin(ActionRequiredMixin):
    required_action = "statement.view"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.statement = selectors.statements(request.user).get_or_404(pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    @property
    def may_manage(self) -> bool:
        return can(self.request.user, "statement.manage", self.statement.store_id)


class StatementDetailView(StatementMixin, TemplateView):
    """One statement: both sides of every line, the differences per reason, the payments,
    the actions of its state. POST ``action`` = send, recall, agree, import, invoice or close."""

    template_name = "statements/statement_detail.html"

    def get_context_data(self, forms=None, problems=None, **kwargs):
        statement, forms = self.statement, forms or {}
        difference = self.request.GET.get("difference") or None
        page = Paginator(selectors.lines(statement, difference), LINES_PER_PAGE).get_page(self.request.GET.get("page"))
        allocations = (statement.remittance_allocations.select_related("line__remittance", "by")
                       .order_by("at", "pk"))
        return super().get_context_data(
            statement=statement, page_obj=page, lines=page.object_list, difference=difference,
            difference_choices=[("any", _("Any difference")), *Difference.choices],
            differences=selectors.differences(statement), allocations=allocations,
            may_manage=self.may_manage, State=State,
            upload_form=forms.get("import") or ConfirmationUploadForm(),
            invoice_form=forms.get("invoice") or InvoiceForm(),
            close_form=forms.get("close") or CloseForm(), problems=problems,
            properties=field_rows(statement, ["number", "store", "insurer", "month", "state", "line_count", "premium",
                                              "base", "commission", "insurer_commission", "difference_count",
                                              "invoice_no", "invoiced_on", "paid_amount", "paid_on", "built_at",
                                              "built_by", "sent_at", "confirmed_at", "confirmation_file",
                                              "closed_at", "note"],
                                  overrides={"month": statement.month_label}),
            **kwargs)

    def post(self, request, *args, **kwargs):
        if not self.may_manage:
            raise PermissionDenied
        handler = {"send": self.send, "recall": self.recall, "agree": self.agree, "import": self.upload,
                   "invoice": self.invoice, "close": self.close}.get(request.POST.get("action"))
        if handler is None:
            raise Http404
        return handler(request)

    def _simple(self, request, move, done: str):
        try:
            move(actor=request.user, statement=self.statement)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, done)
        return redirect(self.statement.get_absolute_url())

    def send(self, request):
        return self._simple(request, services.send, _("Marked as sent to the insurer."))

    def recall(self, request):
        return self._simple(request, services.recall, _("Back to draft: build the month again to refresh it."))

    def agree(self, request):
        return self._simple(request, services.confirm_as_ours,
                            _("Confirmed: the insurer agrees with every line as listed."))

    def upload(self, request):
        form = ConfirmationUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                statement = import_confirmation(actor=request.user, statement=self.statement, file=upload,
                                                name=upload.name)
            except ConfirmationRefused as exc:
                return self.render_to_response(self.get_context_data(forms={"import": form}, problems=exc.errors),
                                               status=400)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The insurer's figures are recorded: %(count)s lines differ.")
                                 % {"count": statement.difference_count})
                return redirect(statement.get_absolute_url())
        return self.render_to_response(self.get_context_data(forms={"import": form}), status=400)

    def invoice(self, request):
        form = InvoiceForm(request.POST)
        if form.is_valid():
            try:
                services.invoice(actor=request.user, statement=self.statement, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Invoice recorded."))
                return redirect(self.statement.get_absolute_url())
        return self.render_to_response(self.get_context_data(forms={"invoice": form}), status=400)

    def close(self, request):
        form = CloseForm(request.POST)
        if form.is_valid():
            try:
                services.close(actor=request.user, statement=self.statement, note=form.cleaned_data["note"])
            except ValidationError as exc:
                messages.error(request, _errors(exc))
            else:
                messages.success(request, _("Statement closed."))
        return redirect(self.statement.get_absolute_url())


class ConfirmView(StatementMixin, TemplateView):
    """The insurer's figures typed line by line (their answer on paper): each line's premium,
    rate and commission as they have it, prefilled with theirs or else ours; a line
    left without a commission is one they do not list."""

    template_name = "statements/statement_confirm.html"

    def get(self, request, *args, **kwargs):
        if not self.may_manage:
            raise PermissionDenied
        return super().get(request, *args, **kwargs)

    def get_context_data(self, error=None, **kwargs):
        lines = list(self.statement.lines.filter(commission__isnull=False).order_by("day", "policy_number", "pk"))
        for line in lines:
            answered = line.their_commission is not None
            line.value_premium = line.their_premium if answered else line.premium
            line.value_rate = line.their_rate if answered else line.rate
            line.value_commission = line.their_commission if answered else line.commission
        return super().get_context_data(statement=self.statement, lines=lines, error=error, **kwargs)

    def post(self, request, *args, **kwargs):
        from chexian.imports import cells

        if not self.may_manage:
            raise PermissionDenied
        answer, problems = [], []
        for line in self.statement.lines.filter(commission__isnull=False).order_by("pk"):
            values = {}
            for name in ("premium", "rate", "commission"):
                raw = request.POST.get(f"{name}-{line.pk}", "").strip()
                try:
                    values[name] = cells.parse_money(raw) if raw else None
                except ValidationError as exc:
                    problems.append(f"{line.policy_number}: {_errors(exc)}")
            if values.get("commission") is None:
                continue  # not on their list
            answer.append(services.TheirLine(line.policy_number, values["premium"], values["rate"],
                                             values["commission"]))
        if not problems:
            try:
                statement = services.record_confirmation(actor=request.user, statement=self.statement, lines=answer)
            except ValidationError as exc:
                problems.append(_errors(exc))
            else:
                messages.success(request, _("The insurer's figures are recorded: %(count)s lines differ.")
                                 % {"count": statement.difference_count})
                return redirect(statement.get_absolute_url())
        return self.render_to_response(self.get_context_data(error=" ".join(problems)), status=400)


class ExportView(StatementMixin, View):
    def get(self, request, pk, file_format):
        reason = request.GET.get("reason", "")
        name = f"{self.statement.number}"
        if file_format == "xlsx":
            content = exports.workbook(self.statement, user=request.user, reason=reason)
            response = HttpResponse(content, content_type=(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        elif file_format == "pdf":
            content = exports.pdf(self.statement, user=request.user, reason=reason)
            response = HttpResponse(content, content_type="application/pdf")
        else:
            raise Http404
        response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
        return response
