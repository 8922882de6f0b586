"""Who may do what, and in which stores: the one place that decides it.

The matrix below is role × action. ``stores_for(user, action)`` turns it into
the set of store ids a user may act on, which ``RestrictedQuerySet.restrict()``
applies to every query (pages, API, search, exports). docs/permissions.md is
generated from ``MATRIX`` by ``docs/_gen_permissions.py``.
"""

from __future__ import annotations

from chexian.org.choices import GROUP_WIDE_ROLES, Role

R = Role

VIEW_ALL = {"customer.view", "vehicle.view", "store.view"}
READ_AUDIT = {"audit.view", "customer.export", "vehicle.export", "customer.unmask"}
EDIT = {"customer.add", "customer.change", "vehicle.add", "vehicle.change", "vehicle.transfer"}
# Full mobile numbers: everyone who contacts customers. Department staff do not.
CONTACT = {"customer.see_contact"}
# Insurance business of a store (issue 3): insurers, contracts, quotes, policies.
READ_BUSINESS = {"insurer.view", "contract.view", "policy.view", "quote.view"}
DESK = READ_BUSINESS | {"quote.add", "quote.change", "policy.add", "policy.change", "policy.import"}
# Renewals (issue 4): specialists work their cases; supervisors assign, configure and run the daily job.
READ_RENEWALS = {"renewal.view", "message.view"}
WORK_RENEWALS = READ_RENEWALS | {"renewal.work"}
RUN_RENEWALS = WORK_RENEWALS | {"renewal.assign", "renewal.configure", "renewal.run"}
# Leads (SPEC §3.5): everyone in a store refers customers and sees the leaderboard; the desk follows up.
REFER = {"lead.add", "lead.refer", "lead.board"}
LEADS = REFER | {"lead.view", "lead.work", "repair.work"}
# Claims (SPEC §3.6, §3.8): adjusters work cases end to end; the insurer's money is matched by the adjuster and
# finance together (seed-002 §4.3 step 9); finance pays third-party payouts.
READ_CLAIMS = {"claim.view", "remittance.view"}
WORK_CLAIMS = READ_CLAIMS | {"claim.add", "claim.work"}
MATCH = {"remittance.add", "remittance.match"}
# Commission figures (SPEC §3.7): the desk, its managers, finance and the group.
COMMISSION = {"commission.view"}

MATRIX: dict[str, set[str]] = {
    R.GROUP_OFFICE: VIEW_ALL | READ_AUDIT | CONTACT | READ_BUSINESS | READ_RENEWALS | {"lead.view", "lead.board"}
    | {"contract.approve", "contract.legal_review", "policy.export"} | READ_CLAIMS,
    R.AUDITOR: VIEW_ALL | READ_AUDIT | CONTACT | READ_BUSINESS | READ_RENEWALS | {"policy.export", "lead.view"}
    | READ_CLAIMS,
    R.STORE_MANAGER: VIEW_ALL | READ_AUDIT | EDIT | CONTACT | {"customer.merge"} | DESK | RUN_RENEWALS | LEADS
    | {"contract.propose", "policy.cancel", "policy.export"} | WORK_CLAIMS,
    R.SUPERVISOR: VIEW_ALL | READ_AUDIT | EDIT | CONTACT | {"customer.merge"} | DESK | RUN_RENEWALS | LEADS
    | {"contract.propose", "policy.cancel", "policy.export"} | WORK_CLAIMS,
    R.ISSUER: VIEW_ALL | EDIT | CONTACT | {"customer.unmask"} | DESK | WORK_RENEWALS | LEADS
    | {"claim.view", "claim.add"},
    R.ADJUSTER: VIEW_ALL | EDIT | CONTACT | {"customer.unmask"} | READ_BUSINESS | REFER | WORK_CLAIMS | MATCH,
    R.FINANCE: VIEW_ALL | CONTACT | {"customer.unmask"} | READ_BUSINESS | REFER | READ_CLAIMS | MATCH
    | {"payout.pay"},
    R.CASHIER: VIEW_ALL | READ_BUSINESS | REFER | READ_CLAIMS | {"payout.pay"},
    R.FINANCE_MANAGER: VIEW_ALL | CONTACT | READ_BUSINESS | REFER | READ_CLAIMS | MATCH | {"payout.pay"},
    R.AFTERSALES_MANAGER: VIEW_ALL | CONTACT | {"customer.unmask"} | READ_BUSINESS | REFER
    | {"lead.view", "repair.work"} | WORK_CLAIMS,
    # Sales consultants see the store's customers but contact details and the
    # identity number only of their own customers (owner-scoped, see customers.access).
    R.SALES: VIEW_ALL | {"customer.add", "vehicle.add", "insurer.view", "quote.view", "quote.add", "policy.view"}
    | REFER,
    R.DEPARTMENT: VIEW_ALL | {"insurer.view"} | REFER,
}

# After-sales service orders (工单, SPEC §2): read by every role that reads the store's vehicles, except
# department staff and sales consultants — an order shows what a customer spends in the workshop and the
# accident repairs (claims by another name), which neither needs to refer a customer or sell a car, and
# sales see other customers' details only masked. They are the DMS's records: the store's management and
# the after-sales manager, who answer for that data, enter and import them; the desk only reads them.
READ_SERVICE = {"service.view"}
WORK_SERVICE = READ_SERVICE | {"service.add", "service.import"}
for _role, _actions in MATRIX.items():
    if "vehicle.view" in _actions and _role not in (R.DEPARTMENT, R.SALES):
        _actions |= READ_SERVICE
for _role in (R.STORE_MANAGER, R.SUPERVISOR, R.AFTERSALES_MANAGER):
    MATRIX[_role] |= WORK_SERVICE
for _role in (R.GROUP_OFFICE, R.AUDITOR, R.STORE_MANAGER, R.SUPERVISOR, R.ISSUER, R.FINANCE, R.FINANCE_MANAGER):
    MATRIX[_role] |= COMMISSION

# Blank-form register (SPEC §3.9): managers receive, issue, return and report lost; the desk uses and voids.
BLANKFORM_VIEW = {"blankform.view"}
for _role in (R.STORE_MANAGER, R.SUPERVISOR, R.ISSUER, R.FINANCE, R.FINANCE_MANAGER, R.AUDITOR, R.GROUP_OFFICE):
    MATRIX[_role] |= BLANKFORM_VIEW
for _role in (R.SUPERVISOR, R.STORE_MANAGER, R.FINANCE_MANAGER):
    MATRIX[_role] |= {"blankform.manage"}
for _role in (R.ISSUER, R.SUPERVISOR):
    MATRIX[_role] |= {"blankform.use"}

# Monthly commission statements (SPEC §3.7, seed-002 §4.6): finance and the desk's managers build, send and
# chase them with the insurer; the group and the auditors read them.
for _role in (R.GROUP_OFFICE, R.AUDITOR, R.STORE_MANAGER, R.SUPERVISOR, R.FINANCE, R.FINANCE_MANAGER):
    MATRIX[_role] |= {"statement.view"}
for _role in (R.STORE_MANAGER, R.SUPERVISOR, R.FINANCE, R.FINANCE_MANAGER):
    MATRIX[_role] |= {"statement.manage"}

# Gifts and rebates (SPEC §3.7, DOMAIN §4): recorded honestly by the desk, approved only by the insurance
# supervisor (or the store manager above them), redeemed by the departments that give the service; the
# compliance report and profit are for management, finance and the group.
for _role in (R.GROUP_OFFICE, R.AUDITOR, R.STORE_MANAGER, R.SUPERVISOR, R.ISSUER, R.FINANCE, R.FINANCE_MANAGER,
              R.AFTERSALES_MANAGER, R.DEPARTMENT):
    MATRIX[_role] |= {"incentive.view"}
for _role in (R.STORE_MANAGER, R.SUPERVISOR, R.ISSUER):
    MATRIX[_role] |= {"incentive.add"}
for _role in (R.STORE_MANAGER, R.SUPERVISOR):
    MATRIX[_role] |= {"incentive.approve"}
for _role in (R.STORE_MANAGER, R.SUPERVISOR, R.ISSUER, R.AFTERSALES_MANAGER, R.DEPARTMENT):
    MATRIX[_role] |= {"incentive.redeem"}
for _role in (R.GROUP_OFFICE, R.AUDITOR, R.STORE_MANAGER, R.SUPERVISOR, R.FINANCE, R.FINANCE_MANAGER):
    MATRIX[_role] |= {"compliance.view", "profit.view"}

# KPIs and reports (SPEC §4): the store's management, the desk and finance read their stores' reports; the
# group office and the auditors also the group's; the supervisor (or store manager) closes a month.
for _role in (R.GROUP_OFFICE, R.AUDITOR, R.STORE_MANAGER, R.SUPERVISOR, R.ISSUER, R.FINANCE, R.FINANCE_MANAGER,
              R.AFTERSALES_MANAGER):
    MATRIX[_role] |= {"report.view"}
for _role in (R.GROUP_OFFICE, R.AUDITOR):
    MATRIX[_role] |= {"report.group"}
for _role in (R.STORE_MANAGER, R.SUPERVISOR):
    MATRIX[_role] |= {"report.close"}

# Actions that a sales consultant may take on customers they own.
OWNER_ACTIONS = {"customer.see_contact", "customer.unmask", "customer.change", "vehicle.change"}

ALL_ACTIONS = sorted(set().union(*MATRIX.values()) | OWNER_ACTIONS)


def _roles(user):
    cache = getattr(user, "_chexian_roles", None)
    if cache is None:
        from chexian.org.models import Store

        cache = []
        for staff_role in user.staff_roles.all():
            if staff_role.role in GROUP_WIDE_ROLES:
                store_ids = frozenset(Store.objects.filter(group_id=staff_role.group_id).values_list("id", flat=True))
            else:
                store_ids = frozenset({staff_role.store_id})
            cache.append((staff_role.role, store_ids))
        user._chexian_roles = cache
    return cache


def stores_for(user, action: str) -> set[int] | None:
    """Store ids where ``user`` may take ``action``; ``None`` means every store (superuser)."""
    if not user or not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return None
    allowed: set[int] = set()
    for role, store_ids in _roles(user):
        if action in MATRIX.get(role, ()):
            allowed |= store_ids
    return allowed


def owner_stores_for(user, action: str) -> set[int]:
    """Stores where ``user`` may take ``action`` only on records they own (sales)."""
    if not user or not user.is_authenticated or action not in OWNER_ACTIONS:
        return set()
    result: set[int] = set()
    for role, store_ids in _roles(user):
        if role == R.SALES:
            result |= store_ids
    return result


def can(user, action: str, store_id: int | None = None) -> bool:
    """Whether the user may take ``action`` at all (store_id None) or in one store."""
    stores = stores_for(user, action)
    if stores is None:
        return True
    if store_id is None:
        return bool(stores) or bool(owner_stores_for(user, action))
    return store_id in stores


def holds_role(user, role: str, store_id: int) -> bool:
    """Whether the user holds ``role`` in the store (a signature "as" a role needs the role itself)."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    return any(held == role and store_id in store_ids for held, store_ids in _roles(user))


def roles_of(user) -> set[str]:
    return {role for role, _ in _roles(user)} if user.is_authenticated else set()
