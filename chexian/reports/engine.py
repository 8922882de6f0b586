"""The KPI and report engine (SPEC §4; STYLE.md §6).

Each KPI and report is one small declarative class — a ``Report`` subclass with
its code, title, definition in words, columns, and the methods that compute its
headline ``figures``, its ``rows`` and the records behind a number (``drill``),
each aggregated in the database. The engine runs it for a ``Scope`` (one store,
or every store the user may see: the group) and a ``Period``, compares the
figures with the previous period and the same period last year (同期对比), and
hands a ``Result`` to the formatters (``formats``: HTML, Excel, PDF, JSON).

Rates always carry numerator and denominator (``Rate``); a rate over nothing is
shown as "—", never as 0 %.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

from django.utils import timezone
from django.utils.translation import gettext as _

from chexian.org.models import Store
from chexian.org.permissions import can, stores_for
from chexian.reports.periods import Period

CENT = Decimal("0.01")
TENTH = Decimal("0.1")

TEXT, INT, MONEY, RATE, DATE, SHARE = "text", "int", "money", "rate", "date", "share"


class ReportError(ValueError):
    """A request the engine refuses: unknown report or option, a store out of reach (``status`` 404)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


# ---------------------------------------------------------------- values
@dataclass(frozen=True)
class Rate:
    """A rate with what it is made of: numerator ÷ denominator."""

    numerator: Any
    denominator: Any

    @property
    def value(self) -> Decimal | None:
        """The percentage to one decimal, or None over a zero denominator."""
        if not self.denominator:
            return None
        return (Decimal(self.numerator) * 100 / Decimal(self.denominator)).quantize(TENTH, ROUND_HALF_UP)

    def as_json(self) -> dict:
        value = self.value
        return {"numerator": _plain(self.numerator), "denominator": _plain(self.denominator),
                "rate": None if value is None else str(value)}

    def __str__(self) -> str:
        value = self.value
        shown = "—" if value is None else f"{value}%"
        return f"{shown} ({_plain(self.numerator)}/{_plain(self.denominator)})"


def money(value) -> Decimal:
    """Money to the fen (SQLite sums decimals as floats)."""
    return Decimal(value or 0).quantize(CENT)


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    return value


def json_value(value):
    if isinstance(value, Rate):
        return value.as_json()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    kind: str = TEXT


@dataclass
class Figure:
    """One headline number of a report: a rate, a count or an amount, with the key of the
    records behind it (``Report.drill``) and, once computed, its comparisons."""

    key: str
    label: Any
    value: Any
    kind: str = INT
    drill: str = ""
    previous: Any = None
    last_year: Any = None
    note: str = ""

    def as_json(self) -> dict:
        return {"key": self.key, "label": str(self.label), "kind": self.kind, "value": json_value(self.value),
                "previous": json_value(self.previous), "last_year": json_value(self.last_year),
                "drill": self.drill, "note": self.note}


@dataclass
class Chart:
    """What a chart shows, drawn by ECharts on the page and as SVG in the PDF."""

    key: str
    title: Any
    kind: str  # line, bar, hbar, funnel, pie
    categories: list
    series: list[dict]  # {"name": …, "data": [numbers]}
    unit: str = ""

    def as_json(self) -> dict:
        return {"key": self.key, "title": str(self.title), "kind": self.kind, "unit": self.unit,
                "categories": [str(c) for c in self.categories],
                "series": [{"name": str(s["name"]), "data": [json_value(v) for v in s["data"]]} for s in self.series]}


# ---------------------------------------------------------------- scope
@dataclass
class Scope:
    """The stores a report covers: one store, or the group (every store the user may see)."""

    user: Any
    stores: list
    group: bool = False
    region: Any = None  # a group scope narrowed to one region

    @property
    def store_ids(self) -> list[int]:
        return [store.pk for store in self.stores]

    @property
    def label(self) -> str:
        if self.group and self.region is not None:
            return _("Region %(name)s (%(count)s stores)") % {"name": self.region.name, "count": len(self.stores)}
        if self.group:
            return _("Group (%(count)s stores)") % {"count": len(self.stores)}
        return self.stores[0].name

    def as_json(self) -> dict:
        kind = "region" if self.region is not None else "group" if self.group else "store"
        return {"kind": kind, "label": self.label, "stores": [store.code for store in self.stores],
                **({"region": self.region.code} if self.region is not None else {})}

    def needing(self, action: str, title) -> Scope:
        """This scope narrowed to the stores where the user may also take ``action`` (404 if none)."""
        allowed = stores_for(self.user, action)
        if allowed is None:
            return self
        stores = [store for store in self.stores if store.pk in set(allowed)]
        if not stores:
            raise ReportError(_("%(title)s is not among the reports your role may see in this store.")
                              % {"title": title}, status=404)
        return Scope(user=self.user, stores=stores, group=self.group, region=self.region)

    def may_see(self, report) -> bool:
        return not report.permission or can(self.user, report.permission)

    @classmethod
    def for_user(cls, user, *, store_code: str | None = None, group: bool = False, region_code: str | None = None,
                 action: str = "report.view") -> Scope:
        """One store the user may report on (404 alike for missing and out of reach), or the group."""
        allowed = stores_for(user, action)
        stores = Store.objects.filter(is_active=True).select_related("group", "region").order_by("code")
        if allowed is not None:
            stores = stores.filter(pk__in=allowed)
        if group:
            if not can(user, "report.group"):
                raise ReportError(_("Group reports are for the group office and the auditors."), status=404)
            if region_code:
                stores = list(stores.filter(region__code=region_code.strip().upper()))
                if not stores:
                    raise ReportError(_("No region %(code)s among your stores.") % {"code": region_code}, status=404)
                return cls(user=user, stores=stores, group=True, region=stores[0].region)
            return cls(user=user, stores=list(stores), group=True)
        if store_code:
            store = stores.filter(code=store_code.strip().upper()).first()
            if store is None:
                raise ReportError(_("No store %(code)s among the stores you may report on.") % {"code": store_code},
                                  status=404)
            return cls(user=user, stores=[store])
        found = list(stores[:2])
        if len(found) != 1:
            raise ReportError(_("Name a store (or the group)."))
        return cls(user=user, stores=found)


@dataclass
class Context:
    scope: Scope
    period: Period
    today: dt.date
    options: dict = field(default_factory=dict)
    cache: dict = field(default_factory=dict, repr=False)

    def memo(self, key: str, compute):
        """``compute()`` once per context: figures and rows that read the same aggregate share it."""
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    @property
    def until(self) -> dt.date:
        return self.period.until(self.today)

    def shifted(self, period: Period) -> Context:
        return Context(self.scope, period, self.today, self.options)


# ---------------------------------------------------------------- reports
REGISTRY: dict[str, type[Report]] = {}


def register(cls: type[Report]) -> type[Report]:
    if cls.code in REGISTRY:
        raise RuntimeError(f"report {cls.code} registered twice")
    REGISTRY[cls.code] = cls
    return cls


def get(code: str) -> Report:
    cls = REGISTRY.get((code or "").strip().replace("-", "_"))
    if cls is None:
        raise ReportError(_("No report %(code)s. The reports are: %(codes)s.")
                          % {"code": code, "codes": ", ".join(sorted(REGISTRY))}, status=404)
    return cls()


class Report:
    """One KPI or report. Subclasses declare and compute; the engine does the rest."""

    code: ClassVar[str] = ""
    title: ClassVar[Any] = ""
    definition: ClassVar[Any] = ""
    columns: ClassVar[tuple[Column, ...]] = ()
    # Option name → allowed values (the first is the default), e.g. the renewal-rate definition.
    options: ClassVar[dict[str, tuple[str, ...]]] = {}
    group_only: ClassVar[bool] = False
    # Compare the headline figures with the previous period and the same period last year.
    compare: ClassVar[bool] = True
    # Part of the month close (frozen as submitted).
    frozen_at_close: ClassVar[bool] = True
    # The app permission its records need beyond report.view (profit, compliance…): the scope keeps only the
    # stores where the user has it, and a store without it is a 404.
    permission: ClassVar[str] = ""

    # ------------------------------------------------------------ what subclasses write
    def figures(self, ctx: Context) -> list[Figure]:
        return []

    def rows(self, ctx: Context) -> list[dict]:
        return []

    def totals(self, ctx: Context, rows: list[dict]) -> dict:
        return {}

    def charts(self, ctx: Context, figures: list[Figure], rows: list[dict]) -> list[Chart]:
        return []

    def drill(self, ctx: Context, key: str):
        """(queryset, [(field path, label)]) of the records behind figure ``key``, or None."""
        return None

    def default_option(self, name: str) -> str:
        """The value of an option nobody named: the first allowed one, unless a setting says otherwise."""
        return self.options[name][0]

    def describe_options(self, options: dict) -> str:
        return ""

    # ------------------------------------------------------------ the engine
    def clean_options(self, given: dict | None) -> dict:
        given = {k: v for k, v in (given or {}).items() if v not in (None, "")}
        cleaned = {}
        for name, allowed in self.options.items():
            value = given.pop(name, self.default_option(name))
            if value not in allowed:
                raise ReportError(_("%(value)s is not a %(name)s of this report: use one of %(allowed)s.")
                                  % {"value": value, "name": name, "allowed": ", ".join(allowed)})
            cleaned[name] = value
        return cleaned

    def run(self, scope: Scope, period: Period, *, options: dict | None = None,
            today: dt.date | None = None, with_rows: bool = True) -> Result:
        if self.group_only and not scope.group:
            raise ReportError(_("%(title)s is a group report: ask for the group.") % {"title": self.title})
        ctx = Context(scope, period, today or timezone.localdate(), self.clean_options(options))
        figures = self.figures(ctx)
        if self.compare and figures:
            previous = {f.key: f.value for f in self.figures(ctx.shifted(period.previous()))}
            last_year = {f.key: f.value for f in self.figures(ctx.shifted(period.last_year()))}
            for figure in figures:
                figure.previous = previous.get(figure.key)
                figure.last_year = last_year.get(figure.key)
        rows = self.rows(ctx) if with_rows else []
        return Result(report=self, ctx=ctx, figures=figures, rows=rows, totals=self.totals(ctx, rows),
                      charts=self.charts(ctx, figures, rows) if with_rows else [], generated_at=timezone.now())


@dataclass
class Result:
    report: Report
    ctx: Context
    figures: list[Figure]
    rows: list[dict]
    totals: dict
    charts: list[Chart]
    generated_at: dt.datetime

    @property
    def title(self) -> str:
        return str(self.report.title)

    def as_json(self) -> dict:
        """The documented JSON layout (docs/reports-json.md)."""
        report, ctx = self.report, self.ctx
        return {
            "report": report.code,
            "title": str(report.title),
            "definition": str(report.definition),
            "options": ctx.options,
            "options_described": report.describe_options(ctx.options),
            "scope": ctx.scope.as_json(),
            "period": {"kind": ctx.period.kind, "label": ctx.period.label, "start": ctx.period.start.isoformat(),
                       "end": ctx.period.end.isoformat(), "counted_until": ctx.until.isoformat()},
            "generated_at": timezone.localtime(self.generated_at).isoformat(timespec="seconds"),
            "figures": [figure.as_json() for figure in self.figures],
            "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in report.columns],
            "rows": [{key: json_value(value) for key, value in row.items()} for row in self.rows],
            "totals": {key: json_value(value) for key, value in self.totals.items()},
            "charts": [chart.as_json() for chart in self.charts],
        }


# ---------------------------------------------------------------- one request
@dataclass
class Request:
    """What a page, the API or the command asks for, checked: the report, the scope, the period, the options."""

    report: Report
    scope: Scope
    period: Period
    options: dict

    def run(self, today: dt.date | None = None, **kwargs) -> Result:
        return self.report.run(self.scope, self.period, options=self.options, today=today, **kwargs)

    def query(self) -> str:
        """The query string that asks for this again (links, exports)."""
        from urllib.parse import urlencode

        params = {"period": self.period.label}
        if self.scope.group:
            params["group"] = "1"
            if self.scope.region is not None:
                params["region"] = self.scope.region.code
        else:
            params["store"] = self.scope.stores[0].code
        params.update(self.options)
        return urlencode(params)


def resolve(user, code: str, params, *, today: dt.date | None = None) -> Request:
    """Read ``params`` (``store``, ``group``, ``period``, and the report's options) for ``code``.
    Raises ``ReportError`` (unknown report or option: 400/404) or ``PeriodError``."""
    from chexian.reports.periods import MONTH, PeriodError

    today = today or timezone.localdate()
    report = get(code)
    text = params.get("period") or ""
    try:
        period = Period.parse(text, today=today) if text else Period.of(MONTH, today)
    except PeriodError as exc:
        raise ReportError(str(exc)) from None
    options = report.clean_options({name: params.get(name) for name in report.options})
    group = str(params.get("group") or "").lower() in ("1", "true", "yes", "on") or report.group_only
    scope = Scope.for_user(user, store_code=params.get("store") or None, group=group,
                           region_code=params.get("region") or None)
    if report.permission:
        scope = scope.needing(report.permission, report.title)
    return Request(report, scope, period, options)
