"""API of leads: list and read the store's leads, capture one (a referral by
default), follow one up. Writes go to ``leads.services``."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from chexian.core.api import RestrictedViewSetMixin
from chexian.leads import services
from chexian.leads.api.serializers import FollowUpInputSerializer, LeadCaptureSerializer, LeadSerializer
from chexian.leads.models import Lead
from chexian.leads.views import LeadFilterSet


class LeadViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                  viewsets.GenericViewSet):
    queryset = Lead.objects.select_related("department", "referred_by").prefetch_related("follow_ups__by")
    serializer_class = LeadSerializer
    filterset_class = LeadFilterSet
    action_permissions = {"create": "add", "follow_up": "work"}

    @extend_schema(request=LeadCaptureSerializer, responses={201: LeadSerializer},
                   summary="Capture a lead (a referral from another department by default)")
    def create(self, request, *args, **kwargs):
        serializer = LeadCaptureSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        store = data.pop("store")
        lead = services.capture_lead(actor=request.user, store=store, data=data)
        return Response(LeadSerializer(Lead.objects.get(pk=lead.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FollowUpInputSerializer, responses=LeadSerializer, summary="Follow the lead up")
    @action(detail=True, methods=["post"], url_path="follow-up")
    def follow_up(self, request, pk=None):
        lead = self.get_object()
        serializer = FollowUpInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.follow_up(actor=request.user, lead=lead, **serializer.validated_data)
        return Response(LeadSerializer(self.get_queryset().get(pk=lead.pk)).data)
