"""API viewset of quotes.

Thin: it declares its queryset, serializers and filterset; scoping, the role
matrix and the error format come from ``core.api``; writes go to the services.
Offers are recorded and chosen through actions of their quote, so they share its
store scoping: another store's quote is a 404 for every action.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from chexian.core.api import RestrictedViewSetMixin
from chexian.quotes import selectors, services
from chexian.quotes.api.serializers import (
    ComparisonSerializer,
    QuoteChooseSerializer,
    QuoteCreateSerializer,
    QuoteOfferInputSerializer,
    QuoteOfferSerializer,
    QuoteSerializer,
)
from chexian.quotes.filtersets import QuoteFilterSet
from chexian.quotes.models import Quote


class QuoteViewSet(
    RestrictedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Quotes of the user's stores: the plan and each insurer's offer. Create one
    for a vehicle; record offers and choose one with the actions below."""

    queryset = selectors.quote_with_offers(Quote.objects.all())
    serializer_class = QuoteSerializer
    filterset_class = QuoteFilterSet
    action_permissions = {"offers": "change", "choose": "change", "comparison": "view"}

    def get_serializer_class(self):
        if self.action == "create":
            return QuoteCreateSerializer
        return super().get_serializer_class()

    @extend_schema(request=QuoteCreateSerializer, responses={201: QuoteSerializer}, summary="Start a quote")
    def create(self, request, *args, **kwargs):
        serializer = QuoteCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        quote = serializer.save()
        quote = self.queryset.get(pk=quote.pk)
        return Response(QuoteSerializer(quote, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(
        request=QuoteOfferInputSerializer,
        responses={201: QuoteOfferSerializer, 200: QuoteOfferSerializer},
        summary="Record an insurer's figures (201); again for the same insurer replaces its offer (200)",
    )
    @action(detail=True, methods=["post"])
    def offers(self, request, pk=None):
        quote = self.get_object()
        serializer = QuoteOfferInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        replacing = quote.offers.filter(insurer=serializer.validated_data["insurer"]).exists()
        offer = serializer.save_offer(quote)
        return Response(QuoteOfferSerializer(offer, context=self.get_serializer_context()).data,
                        status=status.HTTP_200_OK if replacing else status.HTTP_201_CREATED)

    @extend_schema(request=QuoteChooseSerializer, responses=QuoteSerializer, summary="The customer chose an offer")
    @action(detail=True, methods=["post"])
    def choose(self, request, pk=None):
        quote = self.get_object()
        serializer = QuoteChooseSerializer(data=request.data, quote=quote)
        serializer.is_valid(raise_exception=True)
        services.choose_offer(actor=request.user, quote=quote, offer=serializer.validated_data["offer"])
        quote = self.queryset.get(pk=quote.pk)
        return Response(QuoteSerializer(quote, context=self.get_serializer_context()).data)

    @extend_schema(responses=ComparisonSerializer, summary="Insurers side by side, and the renewal explanation")
    @action(detail=True, methods=["get"])
    def comparison(self, request, pk=None):
        quote = self.get_object()
        context = {**self.get_serializer_context(), "renewal": services.renewal_comparison(quote)}
        return Response(ComparisonSerializer(selectors.comparison(quote), context=context).data)
