"""API of renewal cases: list and read them, log a call, record a loss. Writes
go to ``renewals.services``; scoping and errors come from ``core.api``."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from chexian.core.api import RestrictedReadOnlyModelViewSet
from chexian.renewals import services
from chexian.renewals.api.serializers import (
    ContactInputSerializer,
    LostInputSerializer,
    ReminderRuleSerializer,
    RenewalCaseSerializer,
)
from chexian.renewals.filtersets import RenewalCaseFilterSet
from chexian.renewals.models import ContactLog, ReminderRule, RenewalCase


class RenewalCaseViewSet(RestrictedReadOnlyModelViewSet):
    """Renewal cases of the user's stores (created by the daily job)."""

    queryset = RenewalCase.objects.select_related("vehicle", "customer", "assigned_to").prefetch_related(
        Prefetch("contacts", queryset=ContactLog.objects.select_related("by")), "tasks"
    ).order_by("due_date", "pk")
    serializer_class = RenewalCaseSerializer
    filterset_class = RenewalCaseFilterSet
    action_permissions = {"contact": "work", "lost": "work"}

    def _respond(self, case):
        return Response(self.get_serializer(self.get_queryset().get(pk=case.pk)).data)

    @extend_schema(request=ContactInputSerializer, responses=RenewalCaseSerializer, summary="Log a call")
    @action(detail=True, methods=["post"])
    def contact(self, request, pk=None):
        case = self.get_object()
        serializer = ContactInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.log_contact(actor=request.user, case=case, **serializer.validated_data)
        return self._respond(case)

    @extend_schema(request=LostInputSerializer, responses=RenewalCaseSerializer,
                   summary="Record the case as lost (战败)")
    @action(detail=True, methods=["post"])
    def lost(self, request, pk=None):
        case = self.get_object()
        serializer = LostInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.mark_lost(actor=request.user, case=case, **serializer.validated_data)
        return self._respond(case)


class ReminderRuleViewSet(RestrictedReadOnlyModelViewSet):
    queryset = ReminderRule.objects.all()
    serializer_class = ReminderRuleSerializer
