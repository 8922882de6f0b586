"""The import kinds and what each needs: its importer, the permission, the
template's file name, and whether insurer column mappings apply. Jobs, the import
page, the template download, the API and the ``import`` command all look a kind
up here; ``run_import_job`` instantiates the importer it names.

Importers are named by dotted path and imported when first used: an app's
importer builds on ``imports.tabular``, which must not import the app back.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chexian.imports.choices import ImportKind
from chexian.org.permissions import can, stores_for


@dataclass(frozen=True)
class ImportSpec:
    kind: str
    importer_path: str
    permission: str  # e.g. "policy.import": who may import this kind, per store
    template_file: str
    title: str | Promise  # the import page's title for this kind
    refused: str | Promise  # the message when the role may not import this kind in the store
    help: str | Promise  # what a row is and how it is recognised, under the template's columns
    mappings: bool = False  # insurer exports come with saved column mappings

    @cached_property
    def importer(self):
        return import_string(self.importer_path)

    @property
    def template(self):
        return self.importer.template

    @property
    def label(self):
        return ImportKind(self.kind).label


IMPORTS: dict[str, ImportSpec] = {
    ImportKind.POLICIES: ImportSpec(
        kind=ImportKind.POLICIES,
        importer_path="chexian.imports.policy_import.PolicyImporter",
        permission="policy.import",
        template_file="chexian-policy-import-template.xlsx",
        title=gettext_lazy("Import policies"),
        refused=gettext_lazy("Your role may not import policies in this store."),
        help=gettext_lazy(
            "One row per policy. The customer is recognised by the identity number and the vehicle by the VIN "
            "within the store; the same file imported twice changes nothing, a corrected file updates the "
            "policies it names."
        ),
        mappings=True,
    ),
    ImportKind.SERVICE_ORDERS: ImportSpec(
        kind=ImportKind.SERVICE_ORDERS,
        importer_path="chexian.aftersales.importer.ServiceOrderImporter",
        permission="service.import",
        template_file="chexian-service-order-import-template.xlsx",
        title=gettext_lazy("Import service orders"),
        refused=gettext_lazy("Your role may not import service orders in this store."),
        help=gettext_lazy(
            "One row per service order (工单). The order is recognised by its number within the store and the "
            "vehicle by the VIN, else the plate; a car not yet in the books is added with its owner. The same "
            "file imported twice changes nothing, a corrected file updates the orders it names."
        ),
    ),
}


def spec(kind: str) -> ImportSpec:
    try:
        return IMPORTS[kind]
    except KeyError:
        raise ValidationError({"kind": [ValidationError(
            _("Unknown kind of import: %(kind)s.") % {"kind": kind}, code="kind_unknown")]}) from None


def kinds_for(user) -> list[ImportSpec]:
    """The kinds ``user`` may import in some store."""
    return [item for item in IMPORTS.values() if can(user, item.permission)]


def may_import(user) -> bool:
    return bool(kinds_for(user))


def require(actor, store, kind: str) -> ImportSpec:
    """The kind's spec, or PermissionDenied when ``actor`` may not import it in ``store``."""
    item = spec(kind)
    if not can(actor, item.permission, store.pk):
        raise PermissionDenied(str(item.refused))
    return item


def store_ids(user, kind: str | None = None) -> set[int] | None:
    """Stores where ``user`` may import ``kind`` (any kind when None); None means all."""
    found: set[int] = set()
    for item in ([spec(kind)] if kind else IMPORTS.values()):
        stores = stores_for(user, item.permission)
        if stores is None:
            return None
        found |= stores
    return found
