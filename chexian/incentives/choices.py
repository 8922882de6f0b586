from django.db import models
from django.utils.translation import gettext_lazy as _


class GiftDepartment(models.TextChoices):
    """The department of the store that gives a gift item and bears its real cost."""

    WASH = "wash", _("Car wash (洗车)")
    MAINTENANCE = "maintenance", _("Maintenance (保养)")
    DETAILING = "detailing", _("Detailing (美容)")
    OTHER = "other", _("Other (其他)")


class IncentiveKind(models.TextChoices):
    """What a store handed back to a policyholder against a policy (SPEC §3.7)."""

    GIFT_PACKAGE = "gift_package", _("Gift package (礼包)")
    REBATE = "rebate", _("Rebate (返利)")


class RebateMethod(models.TextChoices):
    """How a cash rebate reached the customer."""

    CASH = "cash", _("Cash (现金)")
    TRANSFER = "transfer", _("Bank transfer (转账)")
    MOBILE = "mobile", _("WeChat Pay / Alipay (微信/支付宝)")
    PREMIUM_DISCOUNT = "premium_discount", _("Taken off the premium paid (抵扣保费)")
    CARD = "card", _("Prepaid or fuel card (储值卡/加油卡)")


class IncentiveStatus(models.TextChoices):
    """The supervisor's decision. Anything but approved is flagged wherever it shows."""

    PENDING = "pending", _("Pending approval (待审批)")
    APPROVED = "approved", _("Approved (已批准)")
    REJECTED = "rejected", _("Rejected (已驳回)")


# Statuses whose money counts as given (profit, totals): a pending gift or rebate has usually already been
# promised or handed over; only a rejected one is taken as not given.
COUNTED_STATUSES = (IncentiveStatus.PENDING, IncentiveStatus.APPROVED)
