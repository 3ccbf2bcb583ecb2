"""REST routes."""

urlpatterns: list = []
