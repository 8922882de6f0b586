"""Importing this module registers every KPI and report with the engine (``engine.REGISTRY``)."""

from chexian.reports.kpis import (  # noqa: F401
    churn,
    claims,
    customers,
    group,
    money,
    operations,
    renewals,
    sales,
    staff,
)
