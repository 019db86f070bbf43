"""Domain errors that the API layer turns into problem+json answers."""


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None, **extra) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Invalid(DomainError):
    status = 422
    title = "Validation failed"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class Unavailable(DomainError):
    """The server cannot answer until an operator fixes its configuration."""

    status = 503
    title = "Service unavailable"


class PayloadTooLarge(DomainError):
    status = 413
    title = "Payload too large"


class Unauthorized(DomainError):
    status = 401
    title = "Authentication required"


class TooManyAttempts(DomainError):
    status = 429
    title = "Too many failed logins"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


MAX_TEXT = 4000  # a note, a plan part: the same cap whether it comes by REST or by sync


def checked_text(value, field: str, max_length: int = MAX_TEXT) -> str:
    """Text a user wrote (None is empty), stripped; anything else is a 422 naming the field."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid(f"{field} must be text.", field=field)
    if len(value) > max_length:
        raise Invalid(f"{field} is longer than {max_length} characters.", field=field)
    return value.strip()


def checked_choice(value, choices, field: str) -> str:
    """One of `choices` (their codes); anything else is a 422 naming the field."""
    if not isinstance(value, str) or value not in choices:
        raise Invalid(f"{field} must be one of {', '.join(choices)}.", field=field)
    return value
