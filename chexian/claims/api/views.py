"""API of claim cases: list and read (with the timeline), open one, record and
complete the current step, go back with a reason. Writes go to ``claims.services``."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from chexian.claims import services
from chexian.claims.api.serializers import BackSerializer, ClaimCaseSerializer, ClaimOpenSerializer, StepDataSerializer
from chexian.claims.filtersets import ClaimCaseFilterSet
from chexian.claims.models import ClaimCase
from chexian.core.api import RestrictedViewSetMixin
from chexian.customers.models import Vehicle
from chexian.insurers.models import Insurer


class ClaimCaseViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    queryset = ClaimCase.objects.select_related("vehicle", "adjuster").prefetch_related("transitions__by")
    serializer_class = ClaimCaseSerializer
    filterset_class = ClaimCaseFilterSet
    action_permissions = {"create": "add", "step": "work", "back": "work"}

    def _fresh(self, case):
        return ClaimCaseSerializer(self.get_queryset().model.objects.select_related("vehicle", "adjuster")
                                   .prefetch_related("transitions__by").get(pk=case.pk)).data

    @extend_schema(request=ClaimOpenSerializer, responses={201: ClaimCaseSerializer}, summary="Open a claim case")
    def create(self, request, *args, **kwargs):
        serializer = ClaimOpenSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        store = data.pop("store")
        data["vehicle"] = get_object_or_404(Vehicle, pk=data["vehicle"], store=store)
        data["insurer"] = get_object_or_404(Insurer, pk=data["insurer"])
        case = services.open_claim(actor=request.user, store=store, data=data)
        return Response(self._fresh(case), status=status.HTTP_201_CREATED)

    @extend_schema(request=StepDataSerializer, responses=ClaimCaseSerializer,
                   summary="Record the current step's data and (by default) complete the step")
    @action(detail=True, methods=["post"])
    def step(self, request, pk=None):
        case = self.get_object()
        serializer = StepDataSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        complete = data.pop("complete")
        if complete:
            case = services.advance_claim(actor=request.user, case=case, data=data)
        else:
            case = services.update_claim(actor=request.user, case=case, data=data)
        return Response(self._fresh(case))

    @extend_schema(request=BackSerializer, responses=ClaimCaseSerializer,
                   summary="Go back to an earlier step with a reason (or record the insurer's return)")
    @action(detail=True, methods=["post"])
    def back(self, request, pk=None):
        case = self.get_object()
        serializer = BackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["by_insurer"]:
            case = services.return_by_insurer(actor=request.user, case=case, reason=data["reason"],
                                              to_step=data["to_step"])
        else:
            case = services.go_back(actor=request.user, case=case, to_step=data["to_step"], reason=data["reason"])
        return Response(self._fresh(case))
