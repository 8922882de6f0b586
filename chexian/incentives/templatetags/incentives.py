"""``{% compliance_warning %}``: the warning every gift-and-rebate page shows (``compliance.py``)."""

from django import template

from chexian.incentives import compliance

register = template.Library()


@register.inclusion_tag("incentives/inc/compliance_warning.html")
def compliance_warning(compact=False):
    return {"warning": compliance.WARNING, "alternative": compliance.ALTERNATIVE, "rule": compliance.RULE,
            "compact": compact}
