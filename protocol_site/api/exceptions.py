"""One error shape for the API: 400/401/403/404/409 with JSON bodies (see api-contract.md)."""

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The case changed while you were working on it: reload and try again."
    default_code = "conflict"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    from protocol_site.api.parsers import PayloadTooLarge, body_limit
    from protocol_site.errors import ActionNotAllowed, PermissionRefused, StaleObject

    if isinstance(exc, RequestDataTooBig):
        # Django's own check, when something read the body before the parser did.
        exc = PayloadTooLarge(
            f"The request body is larger than the limit of {body_limit():,} bytes."
        )
    elif isinstance(exc, PermissionRefused):
        exc = exceptions.PermissionDenied(detail=str(exc) or None)
    elif isinstance(exc, (ConcurrentTransition, StaleObject)):
        exc = Conflict()
    elif isinstance(exc, (TransitionNotAllowed, ActionNotAllowed)) and getattr(
        exc, "conflict", True
    ):
        exc = Conflict(detail=str(exc))
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    return drf_exception_handler(exc, context)
