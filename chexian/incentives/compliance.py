"""The compliance warning every page, form, export and API answer about a gift or
rebate carries (SPEC §3.7, DOMAIN §4). One text, so the rule is named the same way
everywhere."""

from django.utils.translation import gettext_lazy as _

RULE = _("Insurance Law Art 131(4); the 2024 commission rules (报行合一, from 2024-04-15)")

WARNING = _(
    "Gifts and rebates tied to an insurance sale are unlawful: Insurance Law Art 131(4) bars an agent from "
    "giving the policyholder any benefit outside the insurance contract, and the 2024 commission rules "
    "(报行合一, in force from 2024-04-15) forbid cash rebates and gifts tied to a sale (fines of ¥50,000–300,000, "
    "licence revoked if serious). Record what was given honestly, at cost; it needs the supervisor's approval."
)

ALTERNATIVE = _(
    "The lawful alternative: value-added services written into the policy (增值服务特约条款) — roadside rescue, "
    "safety check, designated driver, inspection run — offered on the quote."
)


def warning_text() -> str:
    """The whole warning as one string (exports, API)."""
    return f"{WARNING} {ALTERNATIVE}"
