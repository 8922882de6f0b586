"""The daily commission page: a period (default this month to date), grouped by day,
issuer or insurer, for the stores the user may see."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.views.generic import TemplateView

from chexian.commissions import selectors
from chexian.core.views import ActionRequiredMixin


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
                                        since=since, until=until, by=by, **kwargs)
