"""API of the commission statements: list and detail with the page's filters, the lines,
and the life-cycle moves (build, send, confirm with the insurer's lines, invoice, close).
Writes go to ``statements.services``; payment is by matching a commission remittance
(``/api/remittance-lines/{id}/match/`` with ``statement``)."""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from chexian.core.api import RestrictedViewSetMixin
from chexian.org.models import Store
from chexian.statements import services
from chexian.statements.api.serializers import (
    BuildInputSerializer,
    BuildResultSerializer,
    ConfirmationInputSerializer,
    InvoiceInputSerializer,
    StatementLineSerializer,
    StatementSerializer,
)
from chexian.statements.filtersets import StatementFilterSet
from chexian.statements.models import Statement

MANAGE = "manage"


class StatementViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Statement.objects.select_related("store", "insurer").order_by("-month", "store__code", "insurer__code")
    serializer_class = StatementSerializer
    filterset_class = StatementFilterSet
    action_permissions = {"build": MANAGE, "send": MANAGE, "confirm": MANAGE, "invoice": MANAGE, "close": MANAGE}

    @extend_schema(responses=StatementLineSerializer(many=True), summary="The statement's lines, both sides")
    @action(detail=True, methods=["get"])
    def lines(self, request, pk=None):
        statement = self.get_object()
        page = self.paginate_queryset(statement.lines.order_by("day", "policy_number", "pk"))
        return self.get_paginated_response(StatementLineSerializer(page, many=True).data)

    @extend_schema(request=BuildInputSerializer, responses={201: BuildResultSerializer},
                   summary="Build a month's statements (drafts again; sent ones kept)")
    @action(detail=False, methods=["post"])
    def build(self, request):
        serializer = BuildInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        stores = None
        if "store" in serializer.validated_data:
            store = Store.objects.filter(pk=serializer.validated_data["store"]).first()
            if store is None:
                raise PermissionDenied
            stores = [store]
        result = services.build(actor=request.user, month=serializer.validated_data["month"], stores=stores)
        data = {"month": f"{result.month:%Y-%m}", "created": [s.number for s in result.created],
                "rebuilt": [s.number for s in result.rebuilt], "kept": [s.number for s in result.kept]}
        return Response(BuildResultSerializer(data).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=StatementSerializer, summary="Draft → sent")
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        return Response(StatementSerializer(services.send(actor=request.user, statement=self.get_object())).data)

    @extend_schema(request=ConfirmationInputSerializer, responses=StatementSerializer,
                   summary="Record the insurer's figures line by line (reasons for every difference)")
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        statement = self.get_object()
        serializer = ConfirmationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lines = [services.TheirLine(row=index, **line)
                 for index, line in enumerate(serializer.validated_data["lines"], start=1)]
        statement = services.record_confirmation(actor=request.user, statement=statement, lines=lines)
        return Response(StatementSerializer(statement).data)

    @extend_schema(request=InvoiceInputSerializer, responses=StatementSerializer, summary="Confirmed → invoiced")
    @action(detail=True, methods=["post"])
    def invoice(self, request, pk=None):
        statement = self.get_object()
        serializer = InvoiceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        statement = services.invoice(actor=request.user, statement=statement, **serializer.validated_data)
        return Response(StatementSerializer(statement).data)

    @extend_schema(request=None, responses=StatementSerializer, summary="Paid → closed")
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return Response(StatementSerializer(services.close(actor=request.user, statement=self.get_object())).data)
