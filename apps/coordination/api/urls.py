"""REST routes: typical cases and monitoring indicators."""

from django.urls import path

from . import views

urlpatterns = [
    path("cases", views.CaseListView.as_view(), name="cases"),
    path("cases/<int:pk>", views.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<int:pk>/consent", views.CaseConsentView.as_view(), name="case-consent"),
    path("cases/<int:pk>/publish", views.CasePublishView.as_view(), name="case-publish"),
    path("cases/<int:pk>/reject", views.CaseRejectView.as_view(), name="case-reject"),
    path("indicators", views.IndicatorsView.as_view(), name="indicators"),
]
