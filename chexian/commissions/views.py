"""The daily commission page: a period (default this month to date), grouped by day,
issuer or insurer, for the stores the user may see; and the profit page (``profit``)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.paginator import Paginator
from django.utils import timezone
from django.views.generic import TemplateView

from chexian.commissions import profit, selectors
from chexian.core.views import ActionRequiredMixin
from chexian.org.models import Store
from chexian.org.permissions import stores_for
from chexian.statements import selectors as statement_selectors


def _date(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


class DailyCommissionView(ActionRequiredMixin, TemplateView):
    required_action = "commission.view"
    template_name = "commissions/daily.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        since = _date(self.request.GET.get("since"), today.replace(day=1))
        until = _date(self.request.GET.get("until"), today)
        by = self.request.GET.get("by") if self.request.GET.get("by") in selectors.GROUPINGS else "day"
        return super().get_context_data(figures=selectors.daily_commission(self.request.user, since, until, by=by),
                                        since=since, until=until, by=by,
                                        aging_flag=statement_selectors.aging_flag(self.request.user), **kwargs)


class ProfitView(ActionRequiredMixin, TemplateView):
    """Profit per month, specialist, store or policy, every part shown (``profit``)."""

    required_action = "profit.view"
    template_name = "commissions/profit.html"
    groupings = ("month", "issuer", "store", "policy")

    def get_context_data(self, **kwargs):
        user, query = self.request.user, self.request.GET
        today = timezone.localdate()
        since = _date(query.get("since"), today.replace(month=1, day=1))
        until = _date(query.get("until"), today)
        by = query.get("by") if query.get("by") in self.groupings else "month"
        allowed = stores_for(user, "profit.view")
        stores = Store.objects.all() if allowed is None else Store.objects.filter(pk__in=allowed)
        store = stores.filter(pk=query["store"]).first() if query.get("store", "").isdigit() else None
        figures = profit.profit(user, since, until, by=by, store=store)
        page = None
        if by == "policy":
            page = Paginator(profit.policy_rows(user, since, until, store), settings.CHEXIAN_PAGE_SIZE).get_page(
                query.get("page"))
            page.object_list = profit.cents(page.object_list)
        return super().get_context_data(figures=figures, page=page, since=since, until=until, by=by,
                                        stores=stores, store=store, **kwargs)
