"""The KPIs and reports, one small class each, grouped by the part of the business they read."""
