from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from chexian.org.choices import Role


class Step(models.TextChoices):
    """The eleven steps of the accident-car workflow (seed-002 §4.3), in order.

    A case *is at* the step being worked; completing it moves the case to the
    next one. Tracking (step 10) is not a place but a watch over the cases that
    wait for the insurer (see ``selectors.overdue``); the third-party payout
    (step 11) holds the case until every payout is paid.
    """

    REPORT = "report", _("1 Report guidance (报案)")
    ASSESSMENT = "assessment", _("2 Photos and loss assessment (定损核价)")
    REPAIR = "repair", _("3 Repair and quality check (维修质检)")
    SETTLEMENT = "settlement", _("4 Settlement (结算)")
    SIGNING = "signing", _("5 Signed and invoiced (签字开票)")
    FILING = "filing", _("6 Filing by amount tier (整理案件)")
    HANDOVER = "handover", _("7 Handover to the insurer (交接案件)")
    OLD_PARTS = "old_parts", _("8 Old parts handed over or destroyed (旧件交接)")
    PAYMENT = "payment", _("9 Insurer payment (回款)")
    PAYOUT = "payout", _("11 Third-party payout (三者回款)")
    CLOSED = "closed", _("Closed (结案)")
    WITHDRAWN = "withdrawn", _("Withdrawn (撤案)")


ORDER = [Step.REPORT, Step.ASSESSMENT, Step.REPAIR, Step.SETTLEMENT, Step.SIGNING, Step.FILING, Step.HANDOVER,
         Step.OLD_PARTS, Step.PAYMENT, Step.PAYOUT, Step.CLOSED]
# The steps during which the case's file is with the insurer: overdue tracking watches them.
WITH_INSURER = (Step.OLD_PARTS, Step.PAYMENT)
# Steps the adjuster may go back to with a reason before the handover; after it, only the insurer returns a case.
BEFORE_HANDOVER = ORDER[: ORDER.index(Step.HANDOVER)]


class ClaimType(models.TextChoices):
    COLLISION = "collision", _("Traffic accident with another party (双方事故)")
    SINGLE = "single", _("Single-vehicle accident (单方事故)")
    GLASS = "glass", _("Glass only (玻璃单独破碎)")
    THEFT = "theft", _("Theft or robbery (盗抢)")
    DISASTER = "disaster", _("Flood, hail or other natural cause (自然灾害)")


class Coverage(models.TextChoices):
    """Which cover pays: it decides whose money the insurer sends."""

    OWN_DAMAGE = "own_damage", _("Own damage (车损险)")
    THIRD_PARTY = "third_party", _("Third-party liability (三者险 / 交强险)")
    BOTH = "both", _("Both")


class DocumentKind(models.TextChoices):
    """The claim documents of DOMAIN.md §5 and the seed's step 1, plus photos."""

    ID_CARD = "id_card", _("Insured's ID (身份证)")
    VEHICLE_LICENCE = "vehicle_licence", _("Vehicle licence (行驶证)")
    DRIVING_LICENCE = "driving_licence", _("Driver's licence (驾驶证)")
    POLICY = "policy", _("Policy (保单)")
    PAYMENT_AUTHORISATION = "payment_authorisation", _("Authorisation to collect the payment (领取赔款授权书)")
    CLAIM_FORM = "claim_form", _("Claim notice and application (出险通知书/索赔申请书)")
    BANK_CARD = "bank_card", _("Bank card (银行卡)")
    ACCIDENT_DETERMINATION = "accident_determination", _(
        "Accident determination or quick-settlement agreement (事故认定书/快处协议)")
    POLICE_CERTIFICATE = "police_certificate", _("Police theft case certificate (公安报案证明)")
    KEYS = "keys", _("Vehicle keys (车钥匙)")
    REGISTRATION_CERTIFICATE = "registration_certificate", _("Registration certificate (登记证书)")
    RIGHTS_TRANSFER = "rights_transfer", _("Transfer of rights (权益转让书)")
    LOSS_ASSESSMENT = "loss_assessment", _("Loss assessment sheet (定损单)")
    REPAIR_INVOICE = "repair_invoice", _("Repair invoice (维修发票)")
    RESCUE_RECEIPT = "rescue_receipt", _("Rescue receipt (施救费票据)")
    PHOTO = "photo", _("Photo (照片)")
    OTHER = "other", _("Other (其他)")


_COMMON = (DocumentKind.ID_CARD, DocumentKind.VEHICLE_LICENCE, DocumentKind.DRIVING_LICENCE, DocumentKind.POLICY,
           DocumentKind.PAYMENT_AUTHORISATION, DocumentKind.CLAIM_FORM)
# Documents the report step needs, per claim type (DOMAIN.md §5; seed-002 §4.3 step 1).
REQUIRED_DOCUMENTS: dict[str, tuple[str, ...]] = {
    ClaimType.COLLISION: (*_COMMON, DocumentKind.ACCIDENT_DETERMINATION),
    ClaimType.SINGLE: _COMMON,
    ClaimType.GLASS: (DocumentKind.ID_CARD, DocumentKind.VEHICLE_LICENCE, DocumentKind.POLICY,
                      DocumentKind.PAYMENT_AUTHORISATION),
    ClaimType.THEFT: (DocumentKind.ID_CARD, DocumentKind.VEHICLE_LICENCE, DocumentKind.POLICY,
                      DocumentKind.PAYMENT_AUTHORISATION, DocumentKind.CLAIM_FORM, DocumentKind.POLICE_CERTIFICATE,
                      DocumentKind.KEYS, DocumentKind.REGISTRATION_CERTIFICATE, DocumentKind.RIGHTS_TRANSFER),
    ClaimType.DISASTER: _COMMON,
}


class Tier(models.TextChoices):
    """Filing tiers of seed-002 §4.3 step 6, by the settlement amount."""

    SMALL = "small", _("Under ¥5,000")
    MEDIUM = "medium", _("¥5,000–10,000")
    LARGE = "large", _("Over ¥10,000")


TIER_LIMITS = (Decimal("5000"), Decimal("10000"))


def tier_of(amount: Decimal) -> str:
    """Under 5,000 is small; 5,000 up to and including 10,000 is medium; above is large."""
    if amount < TIER_LIMITS[0]:
        return Tier.SMALL
    return Tier.MEDIUM if amount <= TIER_LIMITS[1] else Tier.LARGE


class OldPartsOutcome(models.TextChoices):
    HANDED_OVER = "handed_over", _("Handed over to the insurer (交保险公司)")
    DESTROYED = "destroyed", _("Destroyed by the store (我司销毁)")
    NONE = "none", _("No old parts to hand over (无旧件)")


class PayeeKind(models.TextChoices):
    CUSTOMER = "customer", _("Our customer")
    THIRD_PARTY = "third_party", _("Third party (三者)")


class PayoutStatus(models.TextChoices):
    SIGNING = "signing", _("Awaiting signatures")
    APPROVED = "approved", _("Approved: five signatures")
    CONFIRMED = "confirmed", _("Payee confirmed")
    PAID = "paid", _("Paid")


# The five signatures of seed-002 §4.3 step 11, in order, each by a holder of the role.
PAYOUT_SIGNERS = (Role.ADJUSTER, Role.AFTERSALES_MANAGER, Role.CASHIER, Role.FINANCE_MANAGER, Role.STORE_MANAGER)

# Days from the handover after which an unpaid case is overdue, whatever the contract says (seed: "超过一月").
OVERDUE_DAYS = 30
AGING_BUCKETS = ((0, 30), (31, 60), (61, 90), (91, None))
