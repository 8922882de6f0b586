"""API viewsets of insurers, agency contracts and agency licences.

Thin: each declares its queryset, serializer and filterset; scoping, the role
matrix and the error format come from ``core.api``; writes go to the services.
Creating a contract is proposing it (``contract.propose``); the approval flow's
moves are actions that need the move's matrix action in the contract's store.
"""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from chexian.core.api import RestrictedModelViewSet, RestrictedReadOnlyModelViewSet, RestrictedViewSetMixin
from chexian.insurers import services
from chexian.insurers.api.filters import AgencyContractFilterSet, AgencyLicenceFilterSet, InsurerFilterSet
from chexian.insurers.api.serializers import (
    AgencyContractSerializer,
    AgencyLicenceSerializer,
    ContractDecisionSerializer,
    ContractLegalReviewSerializer,
    InsurerSerializer,
)
from chexian.insurers.choices import ContractStatus
from chexian.insurers.models import AgencyContract, AgencyLicence, ContractEvent, Insurer


def _move_action(status: str) -> str:
    """The matrix action of a move of the flow, without its ``contract.`` prefix."""
    return services.MOVE_ACTIONS[status].partition(".")[2]


class InsurerViewSet(RestrictedReadOnlyModelViewSet):
    """The insurers stores may sell for (the group's master data, read-only)."""

    queryset = Insurer.objects.all()
    serializer_class = InsurerSerializer
    filterset_class = InsurerFilterSet


class AgencyContractViewSet(
    RestrictedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Agency contracts of the user's stores. Creating one proposes it. No update
    or delete: the terms are what was approved; a change of terms or of partner is
    a new proposal that ``replaces`` the old contract."""

    queryset = AgencyContract.objects.select_related("store", "insurer").prefetch_related(
        Prefetch("events", queryset=ContractEvent.objects.select_related("actor"))
    )
    serializer_class = AgencyContractSerializer
    filterset_class = AgencyContractFilterSet
    action_permissions = {
        "create": "propose",
        "approve": _move_action(ContractStatus.APPROVED),
        "reject": _move_action(ContractStatus.REJECTED),
        "legal_review": _move_action(ContractStatus.ACTIVE),
        "terminate": _move_action(ContractStatus.TERMINATED),
    }

    def _respond(self, contract):
        return Response(self.get_serializer(self.get_queryset().get(pk=contract.pk)).data)

    @extend_schema(
        request=ContractDecisionSerializer,
        responses=AgencyContractSerializer,
        summary="Approve a proposed contract (group insurance office)",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        contract = self.get_object()
        serializer = ContractDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = services.approve_contract(
            actor=request.user, contract=contract, reason=serializer.validated_data["reason"]
        )
        return self._respond(contract)

    @extend_schema(
        request=ContractDecisionSerializer,
        responses=AgencyContractSerializer,
        summary="Reject a proposed or approved contract, with the reason",
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        contract = self.get_object()
        serializer = ContractDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = services.reject_contract(
            actor=request.user, contract=contract, reason=serializer.validated_data["reason"]
        )
        return self._respond(contract)

    @extend_schema(
        request=ContractLegalReviewSerializer,
        responses=AgencyContractSerializer,
        summary="Record the legal review of an approved contract; it becomes active",
    )
    @action(detail=True, methods=["post"], url_path="legal-review")
    def legal_review(self, request, pk=None):
        contract = self.get_object()
        serializer = ContractLegalReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = services.record_legal_review(
            actor=request.user, contract=contract, opinion=serializer.validated_data["opinion"]
        )
        return self._respond(contract)

    @extend_schema(
        request=ContractDecisionSerializer,
        responses=AgencyContractSerializer,
        summary="Terminate an active contract, with the reason",
    )
    @action(detail=True, methods=["post"])
    def terminate(self, request, pk=None):
        contract = self.get_object()
        serializer = ContractDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = services.terminate_contract(
            actor=request.user, contract=contract, reason=serializer.validated_data["reason"]
        )
        return self._respond(contract)


class AgencyLicenceViewSet(RestrictedModelViewSet):
    """The agency licences of the user's stores; registered and changed by those
    who propose partner insurers (``contract.propose``)."""

    queryset = AgencyLicence.objects.select_related("store").order_by("store__code", "-valid_from")
    serializer_class = AgencyLicenceSerializer
    filterset_class = AgencyLicenceFilterSet
    action_permissions = {"create": "propose", "update": "propose", "partial_update": "propose"}
