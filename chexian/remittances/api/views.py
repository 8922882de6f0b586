"""API of insurer remittances: list, read and record remittances (with their
lines), run the automatic matching, list lines (``?unmatched=1``), match a line to
a claim case by hand, undo a match. Writes go to ``remittances.services``."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from chexian.core.api import RestrictedViewSetMixin
from chexian.remittances import services
from chexian.remittances.api.serializers import (
    AllocationSerializer,
    AutoMatchResultSerializer,
    MatchInputSerializer,
    RemittanceInputSerializer,
    RemittanceLineSerializer,
    RemittanceSerializer,
    UnmatchInputSerializer,
)
from chexian.remittances.filtersets import RemittanceFilterSet, RemittanceLineFilterSet
from chexian.remittances.models import Allocation, Remittance, RemittanceLine

ALLOCATIONS = Prefetch("allocations",
                       queryset=Allocation.objects.select_related("claim", "statement", "by", "reversed_by"))


class RemittanceViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    queryset = (Remittance.objects.select_related("created_by")
                .prefetch_related(Prefetch("lines", queryset=RemittanceLine.objects.prefetch_related(ALLOCATIONS)))
                .order_by("-received_on", "-pk"))
    serializer_class = RemittanceSerializer
    filterset_class = RemittanceFilterSet
    action_permissions = {"create": "add", "auto_match": "match"}

    @extend_schema(request=RemittanceInputSerializer, responses={201: RemittanceSerializer},
                   summary="Record a remittance with its lines (all or nothing; the lines add up to the total)")
    def create(self, request, *args, **kwargs):
        serializer = RemittanceInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        store, insurer, lines = data.pop("store"), data.pop("insurer"), data.pop("lines")
        remittance = services.record_remittance(actor=request.user, store=store, insurer=insurer, data=data,
                                                lines=[dict(line) for line in lines])
        return Response(self.get_serializer(self.get_queryset().get(pk=remittance.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=AutoMatchResultSerializer,
                   summary="Match the lines whose report number and amount agree with a claim case")
    @action(detail=True, methods=["post"], url_path="auto-match")
    def auto_match(self, request, pk=None):
        counts = services.auto_match(actor=request.user, remittance=self.get_object())
        return Response(AutoMatchResultSerializer(counts).data)


class RemittanceLineViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            viewsets.GenericViewSet):
    queryset = (RemittanceLine.objects.select_related("remittance").prefetch_related(ALLOCATIONS)
                .order_by("remittance__received_on", "remittance_id", "line_no"))
    serializer_class = RemittanceLineSerializer
    filterset_class = RemittanceLineFilterSet
    action_permissions = {"match": "match"}

    @extend_schema(request=MatchInputSerializer, responses={201: AllocationSerializer},
                   summary="Match money of the line to a claim case or a commission statement by hand "
                           "(partial payments allowed)")
    @action(detail=True, methods=["post"])
    def match(self, request, pk=None):
        line = self.get_object()
        serializer = MatchInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "statement" in data:
            allocation = services.match_statement(actor=request.user, line=line, statement=data["statement"],
                                                  amount=data.get("amount"))
        else:
            allocation = services.match(actor=request.user, line=line, case=data["case"], amount=data.get("amount"))
        return Response(AllocationSerializer(allocation).data, status=status.HTTP_201_CREATED)


class AllocationViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    queryset = Allocation.objects.select_related("claim", "statement", "by", "reversed_by").order_by("-at", "-pk")
    serializer_class = AllocationSerializer
    action_permissions = {"unmatch": "match"}

    @extend_schema(request=UnmatchInputSerializer, responses=AllocationSerializer,
                   summary="Undo a match, with a reason: the money is unmatched again and the case owes it")
    @action(detail=True, methods=["post"])
    def unmatch(self, request, pk=None):
        allocation = self.get_object()
        serializer = UnmatchInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        allocation = services.unmatch(actor=request.user, allocation=allocation, **serializer.validated_data)
        return Response(AllocationSerializer(allocation).data)
