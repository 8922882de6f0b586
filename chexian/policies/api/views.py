"""API viewsets of policies.

Thin: the queryset, serializers and filterset are declared here; scoping, the
role matrix and the error format come from ``core.api``; every write is a
service call (``issue_policy``, ``endorse_policy``, ``cancel_policy``).
"""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from chexian.core.api import RestrictedViewSetMixin
from chexian.policies import services
from chexian.policies.api.serializers import (
    PolicyCancelSerializer,
    PolicyEndorseSerializer,
    PolicyIssueSerializer,
    PolicySerializer,
)
from chexian.policies.choices import PolicySource
from chexian.policies.filtersets import PolicyFilterSet
from chexian.policies.models import Endorsement, Policy, PolicyCoverage


class PolicyViewSet(
    RestrictedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Policies of the user's stores. ``create`` issues a policy by direct entry;
    a policy then changes only through the ``endorse`` and ``cancel`` actions."""

    queryset = Policy.objects.select_related(
        "store", "insurer", "vehicle", "policyholder", "cancellation"
    ).prefetch_related(
        Prefetch("coverages", queryset=PolicyCoverage.objects.select_related("coverage")),
        Prefetch("endorsements", queryset=Endorsement.objects.order_by("effective_date", "id")),
    )
    serializer_class = PolicySerializer
    filterset_class = PolicyFilterSet
    action_permissions = {"endorse": "change", "cancel": "cancel"}

    def get_serializer_class(self):
        if self.action == "create":
            return PolicyIssueSerializer
        return super().get_serializer_class()

    @extend_schema(request=PolicyIssueSerializer, responses={201: PolicySerializer}, summary="Issue a policy")
    def create(self, request, *args, **kwargs):
        serializer = PolicyIssueSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        policy = services.issue_policy(
            actor=request.user, data=serializer.to_policy_input(), source=PolicySource.DIRECT
        )
        policy = self.queryset.get(pk=policy.pk)
        return Response(PolicySerializer(policy, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=PolicyEndorseSerializer, responses=PolicySerializer, summary="Endorse the policy (批改)")
    @action(detail=True, methods=["post"])
    def endorse(self, request, pk=None):
        policy = self.get_object()
        serializer = PolicyEndorseSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        services.endorse_policy(actor=request.user, policy=policy, **serializer.service_kwargs())
        return Response(PolicySerializer(self.queryset.get(pk=policy.pk), context=self.get_serializer_context()).data)

    @extend_schema(request=PolicyCancelSerializer, responses=PolicySerializer, summary="Cancel the policy (退保)")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        policy = self.get_object()
        serializer = PolicyCancelSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        services.cancel_policy(actor=request.user, policy=policy, **serializer.validated_data)
        return Response(PolicySerializer(self.queryset.get(pk=policy.pk), context=self.get_serializer_context()).data)
