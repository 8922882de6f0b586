"""API serializers of insurers, agency contracts and agency licences.

Writes go through ``insurers.services`` (which call ``full_clean()`` and enforce
the approval flow and the partner limit), so the API answers with the same rules
as the pages; their ``ValidationError`` becomes a 400 in
``core.api.exception_handler``. A contract's status and decisions are read-only
here: they change through the viewset's actions.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from chexian.core.api import RestrictedRelatedField, StoreScopedModelSerializer, permitted_stores
from chexian.insurers import services
from chexian.insurers.models import AgencyContract, AgencyLicence, ContractEvent, Insurer


class ProposingStoreField(serializers.PrimaryKeyRelatedField):
    """The store of a proposal or a licence: one where the user may propose partner
    insurers (``contract.propose``); any other is "not one of your stores"."""

    default_error_messages = {
        "does_not_exist": _("Choose one of your stores in which you may do this."),
    }

    def get_queryset(self):
        return permitted_stores(self.context["request"].user, "contract.propose")


@extend_schema_serializer(component_name="Insurer")
class InsurerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Insurer
        fields = ["id", "code", "name", "short_name", "is_active"]
        read_only_fields = fields


@extend_schema_serializer(component_name="ContractEvent")
class ContractEventSerializer(serializers.ModelSerializer):
    """One move of the approval flow. The statuses are values of the contract's
    ``status`` enum (plain strings here, so the schema has that enum only once)."""

    from_status = serializers.CharField(read_only=True, help_text=_("Status before the move; empty when proposed."))
    to_status = serializers.CharField(read_only=True, help_text=_("Status after the move."))
    actor_name = serializers.CharField(source="actor.get_username", read_only=True)

    class Meta:
        model = ContractEvent
        fields = ["id", "from_status", "to_status", "actor", "actor_name", "at", "reason"]
        read_only_fields = fields


@extend_schema_serializer(component_name="AgencyContract")
class AgencyContractSerializer(StoreScopedModelSerializer):
    """An agency contract between a store and an insurer. Creating one is a
    proposal (status ``proposed``); the group office moves it on with the
    ``approve``, ``reject``, ``legal-review`` and ``terminate`` actions."""

    store = ProposingStoreField()
    store_code = serializers.CharField(source="store.code", read_only=True)
    insurer = serializers.PrimaryKeyRelatedField(
        queryset=Insurer.objects.all(),
        error_messages={"does_not_exist": _("No such insurer: {pk_value}.")},
    )
    insurer_code = serializers.CharField(source="insurer.code", read_only=True)
    replaces = RestrictedRelatedField(
        queryset=AgencyContract.objects.all(),
        action="propose",
        required=False,
        allow_null=True,
        help_text=_("The store's active contract this one takes over from (changing a partner)."),
        error_messages={"does_not_exist": _("No such contract in your stores: {pk_value}.")},
    )
    events = ContractEventSerializer(many=True, read_only=True)

    class Meta:
        model = AgencyContract
        fields = [
            "id",
            "store",
            "store_code",
            "insurer",
            "insurer_code",
            "status",
            "valid_from",
            "valid_until",
            "rate_ctpl",
            "rate_commercial",
            "rate_nev_commercial",
            "rate_non_motor",
            "commission_base",
            "parts_terms",
            "labour_terms",
            "claim_payment_days",
            "replaces",
            "proposed_by",
            "decided_by",
            "decided_at",
            "decision_reason",
            "legal_reviewed_by",
            "legal_reviewed_at",
            "legal_opinion",
            "events",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "proposed_by",
            "decided_by",
            "decided_at",
            "decision_reason",
            "legal_reviewed_by",
            "legal_reviewed_at",
            "legal_opinion",
            "created_at",
            "updated_at",
        ]

    def create(self, validated_data):
        store = validated_data.pop("store")
        insurer = validated_data.pop("insurer")
        return services.propose_contract(actor=self.actor, store=store, insurer=insurer, data=validated_data)


@extend_schema_serializer(component_name="AgencyLicence")
class AgencyLicenceSerializer(StoreScopedModelSerializer):
    """The store's part-time agency licence (兼业代理许可)."""

    store = ProposingStoreField()
    store_code = serializers.CharField(source="store.code", read_only=True)

    class Meta:
        model = AgencyLicence
        fields = ["id", "store", "store_code", "licence_no", "valid_from", "valid_until", "registered_staff",
                  "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def create(self, validated_data):
        return services.save_licence(actor=self.actor, data=validated_data)

    def update(self, instance, validated_data):
        return services.save_licence(actor=self.actor, data=validated_data, licence=instance)


# ------------------------------------------------------------------ actions
@extend_schema_serializer(component_name="ContractDecision")
class ContractDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="",
        help_text=_("Why; required to reject or terminate, optional to approve."),
    )


@extend_schema_serializer(component_name="ContractLegalReview")
class ContractLegalReviewSerializer(serializers.Serializer):
    opinion = serializers.CharField(help_text=_("The legal opinion; recording it makes the contract active."))
