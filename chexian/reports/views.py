"""Report pages: the list of reports, one report (figures with numerator and
denominator and their comparisons, charts, the table, exports), the records
behind a number, and the KPI dashboard. Every query goes through the engine,
scoped to the user's stores; a store out of reach is a 404."""

from __future__ import annotations

from datetime import timedelta

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from chexian.core.views import ActionRequiredMixin
from chexian.org.models import Store
from chexian.org.permissions import can, stores_for
from chexian.reports import engine, formats, services
from chexian.reports.engine import Rate, ReportError


def _attr(obj, path: str):
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
        if callable(obj) and part.startswith("get_"):
            obj = obj()
    return obj


class ReportMixin(ActionRequiredMixin):
    required_action = "report.view"

    def stores(self):
        allowed = stores_for(self.request.user, "report.view")
        stores = Store.objects.filter(is_active=True).order_by("code")
        return stores if allowed is None else stores.filter(pk__in=allowed)

    def chooser(self, request_obj=None) -> dict:
        return {"stores": self.stores(), "may_group": can(self.request.user, "report.group"),
                "chosen": request_obj}

    def error_response(self, exc: ReportError, **context):
        context.update(error=str(exc), reports=_catalogue(self.request.user), **self.chooser())
        response = self.render_to_response(self.get_context_data(**context))
        response.status_code = getattr(exc, "status", 400)
        return response


def _catalogue(user=None) -> list:
    reports = (cls() for cls in engine.REGISTRY.values())
    return sorted((r for r in reports if user is None or not r.permission or can(user, r.permission)),
                  key=lambda r: str(r.title))


class ReportIndexView(ReportMixin, TemplateView):
    template_name = "reports/index.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(reports=_catalogue(self.request.user), **self.chooser(), **kwargs)


def _cell_link(asked, row: dict, key: str) -> str:
    period = asked.period.label
    if key == "store" and "store_code" in row:
        return f"{reverse('reports:dashboard')}?store={row['store_code']}&period={period}"
    if key == "region" and "region_code" in row and asked.scope.group:
        report = reverse("reports:report", args=[asked.report.code])
        return f"{report}?group=1&region={row['region_code']}&period={period}"
    return ""


class ReportView(ReportMixin, TemplateView):
    template_name = "reports/report.html"

    def get(self, request, code):
        try:
            asked = engine.resolve(request.user, code, request.GET)
            result = asked.run()
        except ReportError as exc:
            return self.error_response(exc)
        file_format = request.GET.get("format", "html")
        if file_format in formats.CONTENT_TYPES:
            content = formats.render(result, file_format, user=request.user, reason=request.GET.get("reason", ""))
            response = HttpResponse(content, content_type=formats.CONTENT_TYPES[file_format])
            if file_format != "json":
                name = f"{asked.report.code}-{asked.period.label}.{file_format}"
                response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        if file_format != "html":
            raise Http404
        data = result.as_json()
        # Group → region → store → person: a region cell opens the report for that region, a store cell the
        # store's dashboard (and its staff efficiency, per person).
        rows = [[(formats.cell_text(row.get(c.key)), _cell_link(asked, row, c.key)) for c in asked.report.columns]
                for row in result.rows]
        frozen = services.frozen_for(asked)
        return self.render_to_response(self.get_context_data(
            asked=asked, result=result, data=data, rows=rows, query=asked.query(),
            frozen=frozen, changed=services.differences(frozen.payload, data) if frozen else [],
            figures=[(f, formats.cell_text(f.value), formats.cell_text(f.previous), formats.cell_text(f.last_year))
                     for f in result.figures],
            charts_data=data["charts"], **self.chooser(asked)))


class DrillView(ReportMixin, TemplateView):
    """The records behind one number of a report."""

    template_name = "reports/drill.html"
    per_page = 100

    def get(self, request, code, key):
        try:
            asked = engine.resolve(request.user, code, request.GET)
        except ReportError as exc:
            return self.error_response(exc)
        from django.utils import timezone

        from chexian.reports.engine import Context

        ctx = Context(asked.scope, asked.period, timezone.localdate(), asked.options)
        found = asked.report.drill(ctx, key)
        if found is None:
            raise Http404
        queryset, columns = found
        page = Paginator(queryset, self.per_page).get_page(request.GET.get("page"))
        rows = [[formats.cell_text(_attr(obj, path)) for path, _label in columns] for obj in page.object_list]
        return self.render_to_response(self.get_context_data(
            asked=asked, key=key, page_obj=page, rows=rows, headers=[label for _path, label in columns],
            query=asked.query(), title=_("Records behind %(figure)s") % {"figure": key}))


# The headline KPIs of SPEC §4.1, in its order, each with the figures the dashboard shows (the report's page shows
# them all); a KPI the user's role may not see is left out.
DASHBOARD = {
    "first_insurance_rate": ("first_insurance_rate",),
    "renewal_rate": ("renewal_rate",),
    "new_customer_conversion": ("conversion",),
    "churn": ("churn_rate",),
    "claim_rate": ("claim_rate",),
    "non_sold_here_growth": ("growth",),
    "repair_retention": ("retention", "accident_share"),
    "linkage": ("referred", "conversion"),
    "staff_efficiency": ("per_person",),
    "profit": ("profit",),
    "insurer_balance": ("ratio",),
}


class DashboardView(ReportMixin, TemplateView):
    """The KPI dashboard: every headline figure for a store or the group, with its comparisons,
    and the trend charts."""

    template_name = "reports/dashboard.html"

    def get(self, request):
        cards, charts, asked = [], [], None
        try:
            for code in [c for c in DASHBOARD if c in engine.REGISTRY]:
                report = engine.REGISTRY[code]
                if report.permission and not can(request.user, report.permission):
                    continue
                try:
                    asked = engine.resolve(request.user, code, request.GET)
                except ReportError:
                    if report.permission:
                        continue  # the role may see it elsewhere, not in this store
                    raise
                result = asked.run(with_rows=code in DASHBOARD_CHARTS)
                shown = DASHBOARD[code]
                for figure in [f for f in result.figures if f.key in shown]:
                    cards.append({"report": asked.report, "figure": figure, "query": asked.query(),
                                  "value": formats.cell_text(figure.value),
                                  "rate": figure.value.value if isinstance(figure.value, Rate) else None,
                                  "previous": formats.cell_text(figure.previous),
                                  "last_year": formats.cell_text(figure.last_year)})
                charts.extend(chart.as_json() for chart in result.charts)
            if asked is not None:
                from django.utils import timezone

                from chexian.reports.kpis.sales import monthly_trend

                ctx = engine.Context(asked.scope, asked.period, timezone.localdate())
                charts.insert(0, monthly_trend(ctx).as_json())
        except ReportError as exc:
            return self.error_response(exc)
        return self.render_to_response(self.get_context_data(
            cards=cards, charts_data=charts, asked=asked,
            **self.chooser(asked)))


DASHBOARD_CHARTS = {"renewal_rate", "first_insurance_rate"}


class CloseView(ReportMixin, TemplateView):
    """Month close: a supervisor closes a month of their store; the group office sees who closed on time."""

    template_name = "reports/close.html"

    def get_context_data(self, **kwargs):
        from django.utils import timezone

        from chexian.reports.models import MonthClose
        from chexian.reports.periods import MONTH, Period

        user = self.request.user
        today = timezone.localdate()
        last_month = Period.of(MONTH, today.replace(day=1) - timedelta(days=1))
        closing = stores_for(user, "report.close")
        close_stores = Store.objects.filter(is_active=True).order_by("code")
        if closing is not None:
            close_stores = close_stores.filter(pk__in=closing)
        month = last_month.start
        closes = {c.store_id: c for c in MonthClose.objects.restrict(user).filter(month=month)
                  .select_related("closed_by")}
        return super().get_context_data(
            month=month, deadline=services.deadline(month), close_stores=close_stores if can(user, "report.close")
            else [], rows=[(store, closes.get(store.pk)) for store in self.stores()],
            recent=MonthClose.objects.restrict(user).select_related("store", "closed_by")[:24], **kwargs)

    def post(self, request):
        from django.contrib import messages
        from django.core.exceptions import PermissionDenied, ValidationError
        from django.shortcuts import redirect
        from django.utils import timezone

        store = Store.objects.filter(pk=request.POST.get("store") or 0).first()
        if store is None or not can(request.user, "report.close", store.pk):
            raise PermissionDenied
        today = timezone.localdate()
        month = today.replace(day=1) - timedelta(days=1)
        try:
            close = services.close_month(actor=request.user, store=store, month=month.replace(day=1), today=today)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(month)s closed for %(store)s: %(count)s reports frozen as submitted.")
                             % {"month": f"{close.month:%Y-%m}", "store": store.name, "count": close.reports.count()})
        return redirect("reports:close")
