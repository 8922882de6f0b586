"""API serializers of policies.

Reading: a policy with its coverages, commission figures, endorsements and
cancellation. Writing goes through ``policies.services`` — ``issue_policy`` for
create, ``endorse_policy`` and ``cancel_policy`` for the actions — whose
``ValidationError`` becomes a 400 naming the field (``core.api.exception_handler``).
These serializers only collect and convert: money is read as Decimal and every
rule (non-negative, fen, VAT adds up, one CTPL per period, the contract in force,
the documents) is the service's.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from chexian.catalog.models import Coverage
from chexian.core.api import RestrictedRelatedField, permitted_stores
from chexian.customers.forms import staff_of
from chexian.customers.models import Customer, Vehicle
from chexian.insurers.models import Insurer
from chexian.policies.choices import DOCUMENT_LABELS, EndorsementKind, PolicyLine, ShortTermReason
from chexian.policies.models import Cancellation, Endorsement, Policy, PolicyCoverage
from chexian.policies.services import CoverageInput, PolicyInput, one_year_end


class Money(serializers.DecimalField):
    """A money amount read as Decimal; its rules (≥ 0, fen) are the service's."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", None)
        kwargs.setdefault("decimal_places", None)
        super().__init__(**kwargs)


class CoverageCodeField(serializers.SlugRelatedField):
    """A catalog coverage by its stable code (``third_party``, ``ctpl``…)."""

    default_error_messages = {"does_not_exist": _("No coverage with the code {value} in the catalog.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        kwargs.setdefault("queryset", Coverage.objects.all())
        super().__init__(**kwargs)


class StaffField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {"does_not_exist": _("No such staff member in your stores: {pk_value}.")}

    def get_queryset(self):
        return staff_of(permitted_stores(self.context["request"].user, "policy.view"))


# ------------------------------------------------------------------ reading
@extend_schema_serializer(component_name="PolicyCoverage")
class PolicyCoverageSerializer(serializers.ModelSerializer):
    coverage = serializers.CharField(source="coverage.code", read_only=True)
    coverage_name = serializers.CharField(source="coverage.name", read_only=True)

    class Meta:
        model = PolicyCoverage
        fields = ["coverage", "coverage_name", "limit", "premium", "deductible"]
        read_only_fields = fields


@extend_schema_serializer(component_name="Endorsement")
class EndorsementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Endorsement
        fields = ["id", "kind", "effective_date", "before", "after", "premium_change", "reason", "created_by",
                  "created_at"]
        read_only_fields = fields


@extend_schema_serializer(component_name="Cancellation")
class CancellationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cancellation
        fields = ["reason", "effective_date", "refund_amount", "commission_clawback", "note", "created_by",
                  "created_at"]
        read_only_fields = fields


@extend_schema_serializer(component_name="Policy")
class PolicySerializer(serializers.ModelSerializer):
    """A policy as issued, with its coverages and history (read-only: a policy
    changes only by endorsement or cancellation)."""

    store_code = serializers.CharField(source="store.code", read_only=True)
    insurer_code = serializers.CharField(source="insurer.code", read_only=True)
    vehicle_plate = serializers.CharField(source="vehicle.plate", read_only=True)
    policyholder_name = serializers.CharField(source="policyholder.name", read_only=True)
    coverages = PolicyCoverageSerializer(many=True, read_only=True)
    endorsements = EndorsementSerializer(many=True, read_only=True)
    cancellation = CancellationSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Policy
        fields = [
            "id", "store", "store_code", "vehicle", "vehicle_plate", "policyholder", "policyholder_name",
            "insured_name", "insurer", "insurer_code", "contract", "line", "clause_family", "number",
            "confirm_code", "start_date", "end_date", "short_term_reason", "premium", "premium_without_vat", "vat",
            "vehicle_tax", "commission_rate", "commission_base_amount", "commission_amount", "business_type",
            "status", "source", "quote", "issued_on", "issuer", "salesperson", "lead_source", "payment_ref",
            "payer_is_policyholder", "blank_form_serial", "documents", "coverages", "endorsements", "cancellation",
            "created_at", "updated_at",
        ]
        read_only_fields = fields


# ------------------------------------------------------------------ writing
@extend_schema_serializer(component_name="PolicyCoverageInput")
class CoverageInputSerializer(serializers.Serializer):
    coverage = CoverageCodeField(help_text=_("The catalog code of the coverage."))
    limit = Money(required=False, allow_null=True, default=None)
    premium = Money()
    deductible = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")

    def to_coverage_input(self, data) -> CoverageInput:
        return CoverageInput(**data)


@extend_schema_serializer(component_name="PolicyIssue")
class PolicyIssueSerializer(serializers.Serializer):
    """Issue a policy by direct entry (``issue_policy``, source ``direct``): the same
    rules as the six-step page. The business type and the commission are derived,
    never sent."""

    vehicle = RestrictedRelatedField(
        queryset=Vehicle.objects.all(),
        error_messages={"does_not_exist": _("No such vehicle in your stores: {pk_value}.")},
    )
    policyholder = RestrictedRelatedField(
        queryset=Customer.objects.active(),
        required=False,
        error_messages={"does_not_exist": _("No such customer in your stores: {pk_value}.")},
        help_text=_("Defaults to the vehicle's owner."),
    )
    insured_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    insurer = RestrictedRelatedField(queryset=Insurer.objects.all())
    line = serializers.ChoiceField(choices=PolicyLine.choices)
    number = serializers.CharField(max_length=40)
    confirm_code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    start_date = serializers.DateField()
    end_date = serializers.DateField(
        required=False, help_text=_("Defaults to one year: the day before the anniversary.")
    )
    short_term_reason = serializers.ChoiceField(
        choices=ShortTermReason.choices, required=False, allow_blank=True, default=""
    )
    premium = Money(help_text=_("Including VAT."))
    premium_without_vat = Money()
    vat = Money()
    vehicle_tax = Money(required=False, help_text=_("CTPL only."))
    salesperson = StaffField(queryset=get_user_model().objects.all(), required=False, allow_null=True, default=None)
    lead_source = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    payment_ref = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    payer_is_policyholder = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text=_("实名缴费: the premium was paid from the policyholder's own account or card."),
    )
    blank_form_serial = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    documents = serializers.ListField(
        child=serializers.ChoiceField(choices=list(DOCUMENT_LABELS.items())), required=False, default=list,
        help_text=_("Documents checked; the business type decides which are required."),
    )
    coverages = CoverageInputSerializer(many=True, required=False, default=list)

    def to_policy_input(self) -> PolicyInput:
        data = dict(self.validated_data)
        vehicle = data["vehicle"]
        data.setdefault("policyholder", vehicle.owner)
        data.setdefault("end_date", one_year_end(data["start_date"]))
        if data.get("vehicle_tax") is None:
            data["vehicle_tax"] = Decimal("0")
        data["coverages"] = [CoverageInput(**item) for item in data.get("coverages", [])]
        return PolicyInput(**data)


@extend_schema_serializer(component_name="PolicyEndorse")
class PolicyEndorseSerializer(serializers.Serializer):
    """批改 (``endorse_policy``): ``plate`` for kind plate, ``policyholder`` (and
    ``insured_name``) for kind owner, ``coverages`` (as they will be) for kind coverage."""

    kind = serializers.ChoiceField(choices=EndorsementKind.choices)
    effective_date = serializers.DateField()
    premium_change = Money(required=False, help_text=_("Incl. VAT; negative for a refund."))
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    plate = serializers.CharField(max_length=12, required=False)
    policyholder = RestrictedRelatedField(
        queryset=Customer.objects.active(),
        required=False,
        error_messages={"does_not_exist": _("No such customer in your stores: {pk_value}.")},
    )
    insured_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    coverages = CoverageInputSerializer(many=True, required=False)

    # What each kind needs (the input's shape; the rules are the service's).
    KIND_FIELDS = {
        EndorsementKind.PLATE: "plate",
        EndorsementKind.OWNER: "policyholder",
        EndorsementKind.COVERAGE: "coverages",
    }

    def validate(self, attrs):
        needed = self.KIND_FIELDS.get(attrs["kind"])
        if needed and attrs.get(needed) in (None, ""):
            raise serializers.ValidationError(
                {needed: [_("Required for this kind of endorsement.")]}, code="required"
            )
        return attrs

    def service_kwargs(self) -> dict:
        data = self.validated_data
        kind = data["kind"]
        if kind == EndorsementKind.PLATE:
            after = {"plate": data["plate"]}
        elif kind == EndorsementKind.OWNER:
            after = {"policyholder": data["policyholder"], "insured_name": data["insured_name"]}
        elif kind == EndorsementKind.COVERAGE:
            after = {"coverages": [CoverageInput(**item) for item in data["coverages"]]}
        else:
            after = {}
        kwargs = {"kind": kind, "effective_date": data["effective_date"], "after": after, "reason": data["reason"]}
        if data.get("premium_change") is not None:
            kwargs["premium_change"] = data["premium_change"]
        return kwargs


@extend_schema_serializer(component_name="PolicyCancel")
class PolicyCancelSerializer(serializers.Serializer):
    """退保 (``cancel_policy``): CTPL only for the reasons of Regulations Art 16."""

    reason = serializers.ChoiceField(choices=Cancellation._meta.get_field("reason").choices)
    effective_date = serializers.DateField()
    refund_amount = Money()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
