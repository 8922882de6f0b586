"""Store scoping in one place (NetBox's RestrictedQuerySet).

Every view, API viewset, search, filter choice list and export obtains its rows
through ``Model.objects.restrict(user, "view")``. Models name their store path in
``store_field`` (``"store"`` by default, ``"id"`` for Store itself).
"""

from __future__ import annotations

from django.db import models
from django.http import Http404


class RestrictedQuerySet(models.QuerySet):
    store_field = "store"

    def restrict(self, user, action: str = "view"):
        from chexian.org.permissions import stores_for

        obj = getattr(self.model, "permission_object", self.model._meta.model_name)
        stores = stores_for(user, f"{obj}.{action}")
        if stores is None:
            return self
        return self.filter(**{f"{self.store_field}__in": stores})

    def get_or_404(self, **lookup):
        """One lookup that answers 404 alike for "missing" and "another store's"."""
        try:
            return self.get(**lookup)
        except (self.model.DoesNotExist, ValueError, TypeError):
            raise Http404(f"No {self.model._meta.verbose_name} matches the given query.") from None
