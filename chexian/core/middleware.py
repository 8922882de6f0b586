from chexian.core.audit import _request


class AuditActorMiddleware:
    """Makes the request's user the actor of every audit entry the request writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
