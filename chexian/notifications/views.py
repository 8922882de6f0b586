"""The SMS gateway's delivery receipts (回执): Alibaba Cloud pushes ``SmsReport`` as
a JSON list to the URL configured in its console. The URL carries a secret token
(``CHEXIAN_SMS_RECEIPT_TOKEN``): without it configured the endpoint does not exist."""

import hmac
import json

from django.conf import settings
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from chexian.notifications.services import record_receipts

MAX_BODY = 1_000_000  # a push carries at most a few hundred reports


@csrf_exempt  # a server-to-server push, authenticated by the token in its URL
@require_POST
def aliyun_sms_receipts(request, token):
    expected = settings.CHEXIAN_SMS_RECEIPT_TOKEN
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Http404
    if len(request.body) > MAX_BODY:
        return JsonResponse({"code": 1, "msg": "too large"}, status=413)
    try:
        reports = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return JsonResponse({"code": 1, "msg": "not JSON"}, status=400)
    if not isinstance(reports, list):
        return JsonResponse({"code": 1, "msg": "a JSON list of reports is expected"}, status=400)
    counts = record_receipts(reports)
    # The answer Alibaba Cloud expects; anything else makes it push again.
    return JsonResponse({"code": 0, "msg": "成功", **counts})
