"""``GET /api/reports/`` (the reports and their options) and ``GET /api/reports/<code>/``
(one report as JSON: ``?store=S01`` or ``?group=1``, ``?period=2026-05``, and the report's
options such as ``?definition=fleet``). The layout is docs/reports-json.md. An unknown
report or a store out of reach is a 404; a bad period or option a 400."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from chexian.org.permissions import can
from chexian.reports import engine

PARAMETERS = [
    OpenApiParameter("store", str, description="Store code (default: your only store)."),
    OpenApiParameter("group", bool, description="The whole group (group office and auditors)."),
    OpenApiParameter("period", str, description="2026-05-14, 2026-05, 2026-Q2 or 2026 (default: this month)."),
    OpenApiParameter("definition", str, description="Renewal rate only: cohort (default), fleet or yearly."),
]


def _check(user):
    if not can(user, "report.view"):
        raise PermissionDenied()


class ReportListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="The reports: code, title, definition, options",
                   operation_id="reports_list")
    def get(self, request):
        _check(request.user)
        return Response([{"code": r.code, "title": str(r.title), "definition": str(r.definition),
                          "options": {k: list(v) for k, v in r.options.items()}, "group_only": r.group_only}
                         for r in (cls() for cls in sorted(engine.REGISTRY.values(), key=lambda c: c.code))])


class ReportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=PARAMETERS, responses=OpenApiTypes.OBJECT, operation_id="reports_retrieve",
                   summary="One report as JSON (layout: docs/reports-json.md)")
    def get(self, request, code):
        _check(request.user)
        try:
            asked = engine.resolve(request.user, code, request.query_params)
            return Response(asked.run().as_json())
        except engine.ReportError as exc:
            if exc.status == 404:
                raise NotFound(str(exc)) from None
            raise ValidationError({"detail": str(exc)}) from None
