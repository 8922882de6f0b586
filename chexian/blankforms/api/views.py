"""API of the blank-form register: read-only list and detail, with the page's filters."""

from rest_framework import viewsets

from chexian.blankforms.api.serializers import BlankFormSerializer
from chexian.blankforms.filtersets import BlankFormFilterSet
from chexian.blankforms.models import BlankForm
from chexian.core.api import RestrictedViewSetMixin


class BlankFormViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = BlankForm.objects.select_related("holder", "batch__insurer").order_by("kind", "serial")
    serializer_class = BlankFormSerializer
    filterset_class = BlankFormFilterSet
