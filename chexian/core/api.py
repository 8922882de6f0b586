"""Shared bases of the REST API (NetBox ``netbox/api/``).

Every API viewset of every app builds on these, so that the API answers with
the same rules as the pages:

- ``RestrictedModelViewSet`` / ``RestrictedReadOnlyModelViewSet`` take their rows
  from ``Model.objects.restrict(user, action)``, the action being the one of the
  role matrix (``org.permissions.MATRIX``) that the DRF action stands for;
- ``RolePermission`` answers 403 when the user may take that action in no store;
  an object outside the user's stores is simply not in the queryset, so it is a
  404 exactly like one that does not exist (STYLE §4);
- ``exception_handler`` turns a Django ``ValidationError`` raised by a service
  (``full_clean()`` and the workflow checks) into a 400 that names the field, the
  rule's message and its stable code.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import UniqueConstraint
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.fields import get_error_detail
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from chexian.org.models import Store
from chexian.org.permissions import can, owner_stores_for, stores_for

# DRF action -> matrix action. Custom @actions add theirs in ``action_permissions``.
DRF_ACTIONS = {
    "list": "view",
    "retrieve": "view",
    "create": "add",
    "update": "change",
    "partial_update": "change",
    "destroy": "delete",
}

# The parallel key of a 400 body that carries the rules' stable codes.
CODES_KEY = "codes"
# Uniqueness "per store" is about the other field: (store, vin) is a duplicate VIN.
STORE_FIELD = "store"


# ------------------------------------------------------------------ scoping
def permitted_stores(user, permission: str):
    """The stores in which ``user`` may take ``permission`` (e.g. ``"customer.add"``)."""
    stores = stores_for(user, permission)
    return Store.objects.all() if stores is None else Store.objects.filter(pk__in=stores)


def restrict(queryset, user, action: str, owner_field: str | None = None):
    """``queryset.restrict(user, action)``, plus the rows a sales consultant owns
    where the matrix grants the action only on one's own customers
    (``OWNER_ACTIONS``; ``owner_field`` is the path to the owning staff user)."""
    restricted = queryset.restrict(user, action)
    if owner_field is None:
        return restricted
    permission = f"{queryset.model.permission_object}.{action}"
    stores = stores_for(user, permission)
    owned_stores = owner_stores_for(user, permission) - (stores or set())
    if stores is None or not owned_stores:
        return restricted
    store_field = queryset.store_field
    return restricted | queryset.filter(**{f"{store_field}__in": owned_stores, owner_field: user.pk})


class RolePermission(BasePermission):
    """403 when the user may take the view's action in no store at all.

    Which objects are in reach is the queryset's business (``restrict``): another
    store's object is a 404, never a 403 that would confirm it exists.
    """

    message = _("Your role may not do this in any of your stores.")

    def has_permission(self, request, view):
        return can(request.user, view.get_required_permission())


class RestrictedViewSetMixin:
    """Store scoping, the role matrix and the error format for one model's viewset.

    ``queryset`` declares the rows with their ``select_related``; this mixin
    restricts it per request. ``owner_field`` enables the sales consultant's
    owner-scoped actions; ``action_permissions`` maps custom actions to matrix
    actions (``{"unmask": "unmask"}``).
    """

    permission_classes = [IsAuthenticated, RolePermission]
    action_permissions: dict[str, str] = {}
    owner_field: str | None = None

    @property
    def permission_object(self) -> str:
        return self.queryset.model.permission_object

    def get_matrix_action(self) -> str:
        if self.action in self.action_permissions:
            return self.action_permissions[self.action]
        if self.action in DRF_ACTIONS:
            return DRF_ACTIONS[self.action]
        # HEAD/OPTIONS and anything unnamed only ever read.
        return "view"

    def get_required_permission(self) -> str:
        return f"{self.permission_object}.{self.get_matrix_action()}"

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user, no rows
            return queryset.none()
        return restrict(queryset, self.request.user, self.get_matrix_action(), self.owner_field)

    def get_object(self):
        """404 for an object the user cannot see (missing or another store's);
        403 for one they can see but may not act on (e.g. a colleague's customer)."""
        try:
            return super().get_object()
        except Http404:
            action = self.get_matrix_action()
            if action != "view":
                lookup = {self.lookup_field: self.kwargs[self.lookup_url_kwarg or self.lookup_field]}
                visible = restrict(super().get_queryset(), self.request.user, "view", self.owner_field)
                try:
                    found = visible.filter(**lookup).exists()
                except (ValueError, TypeError):
                    found = False
                if found:
                    raise PermissionDenied(RolePermission.message) from None
            raise

    def filter_queryset(self, queryset):
        # Filters (and their defaults, such as leaving merged customers out) shape
        # lists; a detail URL names its object and must find it regardless.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_exception_handler(self):
        return exception_handler


class RestrictedModelViewSet(
    RestrictedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """List, retrieve, create and update. No delete: records that carry history
    are merged or closed through services, never deleted over the API."""


class RestrictedReadOnlyModelViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """List and retrieve, store-scoped."""


# ------------------------------------------------------------------ serializer fields
class RestrictedRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key that accepts only rows the user may see (``restrict(user, action)``).

    A row of another store gets the same "does not exist" as a missing one.
    """

    default_error_messages = {
        "does_not_exist": _("No such record in your stores: {pk_value}."),
    }

    def __init__(self, *, action: str = "view", **kwargs):
        self.action = action
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return super().get_queryset().restrict(user, self.action)


class PermittedStoreField(serializers.PrimaryKeyRelatedField):
    """The store of a new record: one where the user may add the serializer's
    model (``customer.add``…), or for a change, where they may change it."""

    default_error_messages = {
        "does_not_exist": _("Choose one of your stores in which you may do this."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Store.objects.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        serializer = self.parent
        request = self.context.get("request")
        action = "change" if getattr(serializer, "instance", None) is not None else "add"
        permission = f"{serializer.Meta.model.permission_object}.{action}"
        return permitted_stores(getattr(request, "user", None), permission)


class IdentifierField(serializers.CharField):
    """A Chinese identifier (VIN, plate, resident ID, USCC, mobile) checked and
    normalised by its ``core.validators`` function, the rule's code kept.

    The model's ``clean()`` runs the same function again; normalising here first
    also lets "+86 138-1234-5678" or "粤A·D12345" pass the column's max_length,
    which ``full_clean()`` checks before ``clean()`` normalises.
    """

    def __init__(self, *, validator, **kwargs):
        self.validator = validator
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return self.validator(value)
        except DjangoValidationError as exc:
            raise ValidationError(get_error_detail(exc)) from None


class StoreScopedModelSerializer(serializers.ModelSerializer):
    """Base of the serializers of store-scoped models.

    Writes go through the app's services, which call ``full_clean()``; so
    ``Meta.validators`` is empty by default and the model's constraints are
    checked once, by the model, with the model's messages.
    """

    store = PermittedStoreField()

    def get_validators(self):
        return list(getattr(self.Meta, "validators", []))

    def validate_store(self, store):
        if self.instance is not None and store.pk != self.instance.store_id:
            raise serializers.ValidationError(_("A record cannot move to another store."), code="store_immutable")
        return store

    @property
    def actor(self):
        return self.context["request"].user


# ------------------------------------------------------------------ errors
def _unique_fields(error: DjangoValidationError, model) -> list[str]:
    """The fields a non-field uniqueness error is about, without the store."""
    fields: tuple[str, ...] = ()
    if error.code == "unique_together" and error.params:
        fields = tuple(error.params.get("unique_check", ()))
    elif model is not None:
        # A conditional UniqueConstraint reports only its violation message.
        for constraint in model._meta.constraints:
            if (
                isinstance(constraint, UniqueConstraint)
                and constraint.fields
                and error.message == constraint.get_violation_error_message()
            ):
                fields = constraint.fields
                break
    return [f for f in fields if f != STORE_FIELD]


def django_error_detail(exc: DjangoValidationError, model=None) -> dict:
    """A Django ``ValidationError`` (dict or list) as DRF error details, codes kept.

    Non-field errors go under DRF's ``non_field_errors``, except a store-scoped
    uniqueness error, which belongs to its field ("vin": duplicate VIN).
    """
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: get_error_detail(exc)}
    detail: dict[str, list] = {}
    for field, errors in exc.error_dict.items():
        for error in errors:
            target = field
            if field == NON_FIELD_ERRORS:
                target = api_settings.NON_FIELD_ERRORS_KEY
                unique = _unique_fields(error, model)
                if len(unique) == 1:
                    target = unique[0]
                    code = error.code if error.code not in (None, "unique_together") else "unique"
                    error = DjangoValidationError(error.message, code=code, params=error.params)
            detail.setdefault(target, []).extend(get_error_detail(error))
    return detail


def error_codes(detail):
    """The codes of DRF error details, in the same shape."""
    if isinstance(detail, dict):
        return {key: error_codes(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [error_codes(item) for item in detail]
    return getattr(detail, "code", "invalid")


def error_body(detail) -> dict:
    """``{"vin": ["VIN (GB 16735): the check digit…"], "codes": {"vin": ["vin_check_digit"]}}``."""
    if not isinstance(detail, dict):
        detail = {api_settings.NON_FIELD_ERRORS_KEY: detail if isinstance(detail, list) else [detail]}
    return {**detail, CODES_KEY: error_codes(detail)}


def exception_handler(exc, context):
    """DRF's handler, plus Django ``ValidationError`` as a 400 and a ``codes`` key
    on every 400 so integrations can act on the rule ("vin_check_digit") rather
    than parse the (translated) message."""
    if isinstance(exc, DjangoValidationError):
        view = context.get("view")
        queryset = getattr(view, "queryset", None)
        exc = ValidationError(django_error_detail(exc, getattr(queryset, "model", None)))
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        response.data = error_body(exc.detail)
    return response
