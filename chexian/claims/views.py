"""Pages of claims: the board by step, the list, the case page with its timeline
and the current step's form, the phone page for photos, handovers with their
printed list, old parts, and tracking (aging, overdue, returned). Scoped as
everywhere: ``restrict``, ``get_or_404``; every write goes to ``services``."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from chexian.claims import selectors, services
from chexian.claims.choices import PAYOUT_SIGNERS, WITH_INSURER, PayoutStatus, Step
from chexian.claims.filtersets import ClaimCaseFilterSet, claim_stores
from chexian.claims.forms import (
    BackForm,
    ClaimOpenForm,
    ConfirmForm,
    HandoverForm,
    OldPartsForm,
    PayForm,
    PayoutForm,
    ReasonForm,
    SignForm,
    UploadForm,
    step_form,
)
from chexian.claims.models import ClaimCase, HandoverBatch, OldPartsHandover, ThirdPartyPayout
from chexian.core.views import ActionRequiredMixin, ObjectListView, StoreChoiceMixin, apply_service_error, field_rows
from chexian.insurers.models import Insurer
from chexian.org.choices import Role
from chexian.org.permissions import can, holds_role


class ClaimListView(ObjectListView):
    required_action = "claim.view"
    filterset_class = ClaimCaseFilterSet
    template_name = "claims/claim_list.html"
    title = gettext_lazy("Claim cases")
    add_action = "claim.add"
    add_url_name = "claims:claim_create"

    def get_queryset(self):
        return selectors.cases(self.request.user).order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs):
        return super().get_context_data(today=timezone.localdate(), **kwargs)


class ClaimBoardView(ActionRequiredMixin, TemplateView):
    """The claims board: a column per step with its cases, filterable like the list."""

    required_action = "claim.view"
    template_name = "claims/board.html"

    def get_context_data(self, **kwargs):
        filterset = ClaimCaseFilterSet(self.request.GET or None, queryset=selectors.cases(self.request.user),
                                       request=self.request)
        queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
        today = timezone.localdate()
        return super().get_context_data(filter=filterset, columns=selectors.board(queryset, today), today=today,
                                        may_add=can(self.request.user, "claim.add"), **kwargs)


class ClaimCreateView(ActionRequiredMixin, StoreChoiceMixin, TemplateView):
    required_action = "claim.add"
    template_name = "claims/claim_form.html"
    store_action = "claim.add"

    def get_context_data(self, form=None, **kwargs):
        return super().get_context_data(form=form or ClaimOpenForm(store=self.chosen_store()), stores=self.stores(),
                                        store=self.chosen_store(), **kwargs)

    def post(self, request, *args, **kwargs):
        store = self.chosen_store()
        form = ClaimOpenForm(request.POST, store=store)
        if store is None:
            form.add_error(None, _("Choose the store."))
        elif form.is_valid():
            try:
                case = services.open_claim(actor=request.user, store=store,
                                           data={**form.cleaned_data, "vehicle": form.cleaned_data["vehicle"]})
            except ValidationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Claim case %(number)s opened.") % {"number": case.number})
                return redirect(case.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)


class CaseMixin:
    """Loads the case through the user's restricted queryset: another store's is a 404."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.case = selectors.cases(request.user).select_related(
                "policy", "handover_batch", "old_parts", "created_by").get_or_404(pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


class ClaimDetailView(ActionRequiredMixin, CaseMixin, TemplateView):
    """The case: its data, timeline, documents, the current step's form and the moves allowed."""

    required_action = "claim.view"
    template_name = "claims/claim_detail.html"
    actions = ("save", "complete", "back", "return", "withdraw", "upload", "payout", "sign", "confirm", "pay")

    def get_context_data(self, forms=None, **kwargs):
        case, user = self.case, self.request.user
        forms = forms or {}
        may_work = can(user, "claim.work", case.store_id)
        payouts = list(case.payouts.prefetch_related("signatures__user"))
        for payout in payouts:
            payout.next_role = services.next_signer(payout) if payout.status == PayoutStatus.SIGNING else None
            payout.next_role_label = Role(payout.next_role).label if payout.next_role else ""
            payout.may_sign = payout.next_role is not None and holds_role(user, payout.next_role, case.store_id)
        left_to_pay_out = case.third_party_amount - sum((p.amount for p in payouts), Decimal("0"))
        return super().get_context_data(
            case=case, today=timezone.localdate(),
            overdue=case.step in WITH_INSURER and case.payment_due_on and case.payment_due_on < timezone.localdate()
            and case.outstanding > 0,
            properties=field_rows(case, ["number", "store", "insurer", "report_no", "vehicle", "customer", "policy",
                                         "insured_here", "claim_type", "coverage", "accident_at", "accident_place",
                                         "accident_description", "adjuster", "step_since"]),
            money=field_rows(case, ["assessed_amount", "assessed_on", "assessor", "repair_order_no",
                                    "quality_checked_by", "quality_checked_on", "settlement_amount", "insurer_amount",
                                    "third_party_amount", "invoice_no", "signed_on", "tier", "handover_batch",
                                    "handed_over_on", "payment_due_on", "old_parts", "paid_amount", "paid_on",
                                    "returned_count"]),
            steps=self.step_track(), missing=case.missing_documents,
            transitions=case.transitions.select_related("by"),
            documents=case.documents.select_related("uploaded_by"),
            may_work=may_work and case.step not in (Step.CLOSED, Step.WITHDRAWN),
            step_form=forms.get("step") or (step_form(case) if may_work else None),
            done_elsewhere=services.DONE_ELSEWHERE.get(case.step),
            back_form=forms.get("back") or (BackForm(case=case) if case.step in services.BEFORE_HANDOVER[1:]
                                            or case.step == Step.HANDOVER else None),
            return_form=forms.get("return") or (BackForm(case=case, insurer_return=True, prefix="ret")
                                                if case.step in WITH_INSURER else None),
            withdraw_form=forms.get("withdraw") or (ReasonForm(prefix="wd") if case.step in services.BEFORE_HANDOVER
                                                    else None),
            upload_form=forms.get("upload") or UploadForm(),
            payouts=payouts, payout_form=forms.get("payout") or (PayoutForm(initial={"amount": left_to_pay_out})
                                                if case.step == Step.PAYOUT and left_to_pay_out > 0 else None),
            may_pay=can(user, "payout.pay", case.store_id), sign_form=SignForm(), confirm_form=ConfirmForm(),
            pay_form=PayForm(), signers=PAYOUT_SIGNERS, **kwargs)

    def step_track(self):
        order = [*services.OPEN_STEPS, Step.CLOSED]
        here = order.index(self.case.step) if self.case.step in order else -1
        return [{"step": s, "label": Step(s).label, "done": i < here, "current": i == here}
                for i, s in enumerate(order)]

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", "")
        if action not in self.actions:
            return HttpResponse(status=400)
        handler = getattr(self, f"do_{action}")
        try:
            result = handler(request)
        except PermissionDenied:
            raise
        except ValidationError as exc:
            form = getattr(self, "failed_form", None)
            if form is None:
                messages.error(request, " ".join(exc.messages))
                return redirect(self.case.get_absolute_url())
            apply_service_error(form, exc)
            return self.render_to_response(self.get_context_data(forms={self.failed_key: form}), status=400)
        if result is not None:
            return result
        return redirect(self.case.get_absolute_url())

    def _bound(self, key, form):
        self.failed_key, self.failed_form = key, form
        if not form.is_valid():
            raise ValidationError({})
        return form.cleaned_data

    def _step_data(self, request):
        form = step_form(self.case, request.POST)
        if form is None:
            raise ValidationError(services.DONE_ELSEWHERE.get(self.case.step) or _("This case is closed."))
        self.failed_key, self.failed_form = "step", form
        if not form.is_valid():
            raise ValidationError({})
        return {name: form.cleaned_data.get(name) for name in form.fields}

    def do_save(self, request):
        services.update_claim(actor=request.user, case=self.case, data=self._step_data(request))
        messages.success(request, _("Saved."))

    def do_complete(self, request):
        case = services.advance_claim(actor=request.user, case=self.case, data=self._step_data(request))
        messages.success(request, _("Step complete: the case is now at %(step)s.") % {"step": case.get_step_display()})

    def do_back(self, request):
        data = self._bound("back", BackForm(request.POST, case=self.case))
        services.go_back(actor=request.user, case=self.case, to_step=data["to_step"], reason=data["reason"])
        messages.success(request, _("The case went back."))

    def do_return(self, request):
        data = self._bound("return", BackForm(request.POST, case=self.case, insurer_return=True, prefix="ret"))
        services.return_by_insurer(actor=request.user, case=self.case, reason=data["reason"], to_step=data["to_step"])
        messages.success(request, _("Recorded as returned by the insurer."))

    def do_withdraw(self, request):
        data = self._bound("withdraw", ReasonForm(request.POST, prefix="wd"))
        services.withdraw_claim(actor=request.user, case=self.case, reason=data["reason"])
        messages.success(request, _("The claim was withdrawn."))

    def do_upload(self, request):
        from chexian.claims.documents import add_document, check_upload

        form = UploadForm(request.POST, request.FILES)
        data = self._bound("upload", form)
        files = data["files"]
        for upload in files:  # every file is checked before any is kept: one bad file, none saved
            try:
                check_upload(upload, data["kind"])
            except ValidationError as exc:
                raise ValidationError({"files": [f"{upload.name}: {m}" for m in exc.messages]}) from None
        for upload in files:
            add_document(actor=request.user, case=self.case, kind=data["kind"], upload=upload)
        messages.success(request, _("%(count)s file(s) uploaded.") % {"count": len(files)})
        if request.POST.get("next") == "photos":
            return redirect("claims:claim_photos", pk=self.case.pk)
        return None

    def do_payout(self, request):
        data = self._bound("payout", PayoutForm(request.POST))
        services.request_payout(actor=request.user, case=self.case, data=data)
        messages.success(request, _("Payout form created: it needs five signatures."))

    def _payout(self, request):
        return ThirdPartyPayout.objects.filter(case=self.case).get_or_404(pk=request.POST.get("payout"))

    def do_sign(self, request):
        data = self._bound("sign", SignForm(request.POST))
        services.sign_payout(actor=request.user, payout=self._payout(request), role=data["role"])
        messages.success(request, _("Signed."))

    def do_confirm(self, request):
        data = self._bound("confirm", ConfirmForm(request.POST))
        services.confirm_payee(actor=request.user, payout=self._payout(request), on=data["on"])
        messages.success(request, _("The payee's receipt is recorded."))

    def do_pay(self, request):
        data = self._bound("pay", PayForm(request.POST))
        services.pay_payout(actor=request.user, payout=self._payout(request), on=data["on"],
                            bank_reference=data["bank_reference"])
        messages.success(request, _("Marked as paid."))


class ClaimPhotoView(ActionRequiredMixin, CaseMixin, TemplateView):
    """The phone page: the adjuster walks around the car and uploads photos."""

    required_action = "claim.work"
    template_name = "claims/claim_photos.html"

    def get_context_data(self, **kwargs):
        if not can(self.request.user, "claim.work", self.case.store_id):
            raise PermissionDenied
        return super().get_context_data(case=self.case, upload_form=UploadForm(),
                                        documents=self.case.documents.all(), **kwargs)


# ---------------------------------------------------------------- handovers and old parts
class StoreInsurerMixin:
    """Handovers and old parts are per store and insurer, chosen in the query string."""

    action = "claim.work"

    def choose(self):
        from chexian.customers.forms import stores_where

        stores = stores_where(self.request.user, self.action)
        store_pk = self.request.GET.get("store") or (stores.first().pk if stores.count() == 1 else None)
        self.store = stores.filter(pk=store_pk).first() if store_pk else None
        insurer_pk = self.request.GET.get("insurer")
        self.insurer = Insurer.objects.filter(pk=insurer_pk).first() if insurer_pk else None
        return stores


class HandoverListView(ActionRequiredMixin, TemplateView):
    required_action = "claim.view"
    template_name = "claims/handover_list.html"

    def get_context_data(self, **kwargs):
        batches = (HandoverBatch.objects.restrict(self.request.user, "view").select_related("store", "insurer")
                   .order_by("-handed_over_on", "-pk")[:200])
        records = (OldPartsHandover.objects.restrict(self.request.user, "view").select_related("store", "insurer")
                   .order_by("-done_on", "-pk")[:100])
        return super().get_context_data(batches=batches, records=records,
                                        may_work=can(self.request.user, "claim.work"), **kwargs)


class HandoverCreateView(ActionRequiredMixin, StoreInsurerMixin, TemplateView):
    """Step 7: choose the filed cases of one store and insurer and hand them over."""

    required_action = "claim.work"
    template_name = "claims/handover_form.html"

    def filed(self):
        if self.store is None or self.insurer is None:
            return ClaimCase.objects.none()
        return (selectors.cases(self.request.user, "work").filter(store=self.store, insurer=self.insurer,
                                                                 step=Step.HANDOVER).order_by("tier", "pk"))

    def get_context_data(self, form=None, **kwargs):
        stores = self.choose()
        return super().get_context_data(stores=stores, insurers=Insurer.objects.filter(is_active=True),
                                        store=self.store, insurer=self.insurer,
                                        form=form or HandoverForm(cases=self.filed()), **kwargs)

    def post(self, request, *args, **kwargs):
        self.choose()
        form = HandoverForm(request.POST, cases=self.filed())
        if self.store is not None and self.insurer is not None and form.is_valid():
            try:
                batch = services.hand_over(actor=request.user, store=self.store, insurer=self.insurer,
                                           cases=form.cleaned_data["cases"],
                                           handed_over_on=form.cleaned_data["handed_over_on"],
                                           received_by=form.cleaned_data["received_by"])
            except ValidationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Handover %(number)s recorded: print the list for both signatures.")
                                 % {"number": batch.number})
                return redirect("claims:handover_detail", pk=batch.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class HandoverDetailView(ActionRequiredMixin, TemplateView):
    required_action = "claim.view"
    template_name = "claims/handover_detail.html"

    def get_context_data(self, **kwargs):
        batch = (HandoverBatch.objects.restrict(self.request.user, "view").select_related("store", "insurer",
                                                                                          "created_by")
                 .get_or_404(pk=self.kwargs["pk"]))
        items = batch.items.select_related("case__vehicle").order_by("case__tier", "pk")
        return super().get_context_data(batch=batch, items=items, **kwargs)


def handover_pdf(request, pk):
    from chexian.claims.sheets import handover_pdf as render

    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    batch = HandoverBatch.objects.restrict(request.user, "view").select_related("store", "insurer").get_or_404(pk=pk)
    response = HttpResponse(render(batch, user=request.user), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="handover-{batch.number}.pdf"'
    return response


class OldPartsCreateView(HandoverCreateView):
    """Step 8: old parts of handed-over cases given to the insurer, destroyed, or none."""

    template_name = "claims/old_parts_form.html"

    def filed(self):
        if self.store is None or self.insurer is None:
            return ClaimCase.objects.none()
        return (selectors.cases(self.request.user, "work").filter(store=self.store, insurer=self.insurer,
                                                                 step=Step.OLD_PARTS).order_by("pk"))

    def get_context_data(self, form=None, **kwargs):
        return super().get_context_data(form=form or OldPartsForm(cases=self.filed()), **kwargs)

    def post(self, request, *args, **kwargs):
        self.choose()
        form = OldPartsForm(request.POST, cases=self.filed())
        if self.store is not None and self.insurer is not None and form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.record_old_parts(actor=request.user, store=self.store, insurer=self.insurer, **data)
            except ValidationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Old parts recorded."))
                return redirect("claims:handover_list")
        return self.render_to_response(self.get_context_data(form=form), status=400)


# ---------------------------------------------------------------- tracking
class ClaimAgingView(ActionRequiredMixin, TemplateView):
    """Step 10: cases waiting for the insurer's money by age, the overdue ones first, and the returned ones."""

    required_action = "claim.view"
    template_name = "claims/aging.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        overdue_only = self.request.GET.get("overdue") == "1"
        waiting, buckets = selectors.aging(self.request.user, today, overdue_only=overdue_only)
        store = self.request.GET.get("store")
        if store:
            waiting = waiting.filter(store_id=store)
        return super().get_context_data(cases=waiting[:300], buckets=buckets, today=today,
                                        overdue_only=overdue_only, returned=selectors.returned(self.request.user),
                                        stores=claim_stores(self.request), **kwargs)

