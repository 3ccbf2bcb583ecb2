"""The one exception type for expected business failures."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


class BusinessError(Exception):
    """An expected failure with a stable machine `code` and a translatable `message`.

    `status` is the HTTP status the API answers with; `fields` maps field names to messages
    when the failure concerns particular inputs.
    """

    status = 400

    def __init__(
        self,
        code: str,
        message: Any,
        *,
        status: int | None = None,
        fields: dict[str, list[Any]] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.fields = fields or {}
        if status is not None:
            self.status = status


class NotFound(BusinessError):
    status = 404

    @classmethod
    def default(cls) -> NotFound:
        """The plain 404 an object someone may not see answers, alike for "absent" and
        "not yours"."""
        return cls("not_found", _("未找到。"))


class PermissionDenied(BusinessError):
    status = 403


class Conflict(BusinessError):
    status = 409
