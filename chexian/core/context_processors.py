from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from chexian.org.permissions import can, roles_of

# (label, url name, action needed — or one of several). Navigation shows only what the roles allow.
NAV_ITEMS = [
    (_("Today's calls"), "renewals:queue", "renewal.work"),
    (_("Renewals"), "renewals:case_list", "renewal.view"),
    (_("Leads"), "leads:lead_list", "lead.view"),
    (_("Refer a customer"), "leads:referral", "lead.refer"),
    (_("Repair opportunities"), "leads:repairs", "lead.add"),
    (_("Customer visits"), "leads:visits", "lead.work"),
    (_("Service orders"), "aftersales:service_order_list", "service.view"),
    (_("Commission"), "commissions:daily", "commission.view"),
    (_("Commission statements"), "statements:statement_list", "statement.view"),
    (_("KPIs and reports"), "reports:dashboard", "report.view"),
    (_("Profit"), "commissions:profit", "profit.view"),
    (_("Gifts and rebates"), "incentives:incentive_list", "incentive.view"),
    (_("Gift compliance"), "incentives:compliance", "compliance.view"),
    (_("Claims"), "claims:board", "claim.view"),
    (_("Claims tracking"), "claims:aging", "claim.view"),
    (_("Handovers"), "claims:handover_list", "claim.view"),
    (_("Remittances"), "remittances:remittance_list", "remittance.view"),
    (_("Blank forms"), "blankforms:form_list", "blankform.view"),
    (_("Customers"), "customers:customer_list", "customer.view"),
    (_("Vehicles"), "customers:vehicle_list", "vehicle.view"),
    (_("Quotes"), "quotes:quote_list", "quote.view"),
    (_("Policies"), "policies:policy_list", "policy.view"),
    (_("Imports"), "imports:import_list", ("policy.import", "service.import")),
    (_("Agency contracts"), "insurers:contract_list", "contract.view"),
    (_("Insurers"), "insurers:insurer_list", "insurer.view"),
    (_("Coverage catalog"), "catalog:coverage_list", "insurer.view"),
    (_("Audit log"), "core:auditlog_list", "audit.view"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav_items": []}
    items = [
        {"label": label, "url": reverse(name)}
        for label, name, actions in NAV_ITEMS
        if any(can(user, action) for action in ((actions,) if isinstance(actions, str) else actions))
    ]
    return {"nav_items": items, "user_roles": sorted(roles_of(user))}
