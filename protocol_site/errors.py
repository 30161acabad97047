"""Errors the services raise; views turn them into messages, the API into status codes."""


class ActionNotAllowed(Exception):
    """The action cannot be taken from the object's current state (409 in the API)."""

    conflict = True


class PermissionRefused(Exception):
    """The user can see the object but may not take this action on it (403 in the API)."""


class StaleObject(Exception):
    """Somebody else changed the object first: reload and try again (409 in the API)."""
