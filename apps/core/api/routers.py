"""The API's router: `/api/v1/demands` and `/api/v1/demands/` both resolve."""

from rest_framework.routers import SimpleRouter


class OptionalSlashRouter(SimpleRouter):
    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"
