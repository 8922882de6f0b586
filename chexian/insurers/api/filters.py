"""Filters of the API lists: the pages' FilterSets (``insurers.filtersets``),
minus what only a page needs (the insurer list's choice of store columns)."""

from __future__ import annotations

from chexian.insurers import filtersets


class InsurerFilterSet(filtersets.InsurerFilterSet):
    class Meta(filtersets.InsurerFilterSet.Meta):
        fields = ["q", "is_active"]

    # The page's "Contracts of store" picks table columns; an API list has none.
    store = None


AgencyContractFilterSet = filtersets.AgencyContractFilterSet
AgencyLicenceFilterSet = filtersets.AgencyLicenceFilterSet
