"""REST routes: matches, bundles, advice and mismatches."""

from django.urls import path

from . import views

urlpatterns = [
    path("demands/<int:pk>/matches", views.DemandMatchesView.as_view(), name="demand-matches"),
    path("demands/<int:pk>/bundles", views.DemandBundlesView.as_view(), name="demand-bundles"),
    path("demands/<int:pk>/advice", views.DemandAdviceView.as_view(), name="demand-advice"),
    path("demands/<int:pk>/interest", views.InterestView.as_view(), name="demand-interest"),
    path("advice", views.AdviceView.as_view(), name="advice"),
    path(
        "offerings/<int:pk>/matching-demands",
        views.OfferingMatchingDemandsView.as_view(),
        name="offering-matching-demands",
    ),
    path("matches/<int:pk>", views.MatchDetailView.as_view(), name="match-detail"),
    path("matches/<int:pk>/approve", views.MatchApproveView.as_view(), name="match-approve"),
    path("matches/<int:pk>/reject", views.MatchRejectView.as_view(), name="match-reject"),
    path("matches/<int:pk>/introduce", views.MatchIntroduceView.as_view(), name="match-introduce"),
    path("matches/<int:pk>/respond", views.MatchRespondView.as_view(), name="match-respond"),
    path("matches/<int:pk>/close", views.MatchCloseView.as_view(), name="match-close"),
    path("matches/<int:pk>/shortlist", views.MatchShortlistView.as_view(), name="match-shortlist"),
    path("matches/<int:pk>/dismiss", views.MatchDismissView.as_view(), name="match-dismiss"),
    path("matches/<int:pk>/restore", views.MatchRestoreView.as_view(), name="match-restore"),
    path(
        "matches/<int:pk>/request-introduction",
        views.MatchIntroductionRequestView.as_view(),
        name="match-request-introduction",
    ),
    path("mismatches", views.MismatchListView.as_view(), name="mismatches"),
    path("mismatches/summary", views.MismatchSummaryView.as_view(), name="mismatch-summary"),
]
