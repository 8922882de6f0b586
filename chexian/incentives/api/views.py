"""API of gifts and rebates: read-only lists and details (store-scoped like the
pages), and the supervisor's approve / reject, which go through ``services.decide``."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from chexian.core.api import RestrictedReadOnlyModelViewSet, RestrictedViewSetMixin
from chexian.incentives import services
from chexian.incentives.api.serializers import (
    DECISIONS,
    DecisionSerializer,
    GiftItemSerializer,
    IncentiveSerializer,
)
from chexian.incentives.filtersets import IncentiveFilterSet
from chexian.incentives.models import GiftItem, Incentive, IncentiveLine, Redemption


class GiftItemViewSet(RestrictedReadOnlyModelViewSet):
    """The stores' gift catalogues."""

    queryset = GiftItem.objects.order_by("store_id", "department", "name")
    serializer_class = GiftItemSerializer


class IncentiveViewSet(RestrictedViewSetMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin,
                       viewsets.GenericViewSet):
    """Gifts and rebates of the user's stores, with their lines and redemptions."""

    queryset = (Incentive.objects.select_related("policy", "recorded_by", "decided_by")
                .prefetch_related(Prefetch("lines", queryset=IncentiveLine.objects.select_related("item")
                                           .prefetch_related(Prefetch("redemptions",
                                                                      queryset=Redemption.objects
                                                                      .select_related("redeemed_by")))))
                .order_by("-granted_on", "-pk"))
    serializer_class = IncentiveSerializer
    filterset_class = IncentiveFilterSet
    action_permissions = {"approve": "approve", "reject": "approve"}

    def _decide(self, request, decision: str):
        incentive = self.get_object()
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.decide(actor=request.user, incentive=incentive, status=DECISIONS[decision],
                        reason=serializer.validated_data["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=incentive.pk)).data)

    @extend_schema(request=DecisionSerializer, responses=IncentiveSerializer,
                   summary="Approve a pending gift or rebate, with the reason (insurance supervisor)")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, "approve")

    @extend_schema(request=DecisionSerializer, responses=IncentiveSerializer,
                   summary="Reject a pending gift or rebate, with the reason (insurance supervisor)")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, "reject")
