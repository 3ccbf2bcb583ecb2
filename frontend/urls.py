"""Web UI routes: public pages, accounts, and one namespace per user group."""

from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path, reverse_lazy

from .views import (
    accounts,
    cases,
    coordinator,
    enterprise,
    indicators,
    introductions,
    public,
    vendor,
    work,
)

REGISTRATION = "frontend/accounts/registration/"

account_patterns = [
    path("signup/", accounts.signup, name="signup"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name=REGISTRATION + "login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name=REGISTRATION + "password_reset_form.html",
            email_template_name=REGISTRATION + "password_reset_email.txt",
            subject_template_name=REGISTRATION + "password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name=REGISTRATION + "password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name=REGISTRATION + "password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name=REGISTRATION + "password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(
            template_name=REGISTRATION + "password_change_form.html",
            success_url=reverse_lazy("password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name=REGISTRATION + "password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("", accounts.account, name="account"),
    path("switch/", accounts.organization_switch, name="organization-switch"),
    path("members/", accounts.members, name="members"),
    path("api-keys/", accounts.api_keys, name="api-keys"),
    path("api-keys/<str:prefix>/revoke/", accounts.api_key_revoke, name="api-key-revoke"),
]

enterprise_patterns = (
    [
        path("demands/", enterprise.demand_list, name="demands"),
        path("demands/new/", enterprise.demand_edit, name="demand-new"),
        path("demands/<int:pk>/", enterprise.demand_detail, name="demand"),
        path("demands/<int:pk>/edit/", enterprise.demand_edit, name="demand-edit"),
        path(
            "demands/<int:pk>/<str:action>/",
            enterprise.demand_action,
            name="demand-action",
        ),
        path(
            "recommendations/<int:pk>/<str:action>/",
            enterprise.recommendation_action,
            name="recommendation-action",
        ),
        path("wizard/scenarios/", enterprise.wizard_scenarios, name="wizard-scenarios"),
        path("wizard/profile/", enterprise.wizard_profile, name="wizard-profile"),
        path("wizard/advice/", enterprise.wizard_advice, name="wizard-advice"),
    ],
    "enterprise",
)

vendor_patterns = (
    [
        path("offerings/", vendor.offering_list, name="offerings"),
        path("offerings/new/", vendor.offering_edit, name="offering-new"),
        path("offerings/attributes/", vendor.offering_attributes, name="offering-attributes"),
        path("offerings/<int:pk>/", vendor.offering_edit, name="offering-edit"),
        path(
            "offerings/<int:pk>/<str:action>/",
            vendor.offering_action,
            name="offering-action",
        ),
        path("import/", vendor.import_page, name="import"),
        path("import/submit/", vendor.import_submit, name="import-submit"),
        path("import/template.xlsx", vendor.import_template, name="import-template"),
        path("export.xlsx", vendor.export, name="export"),
        path("demands/", vendor.matching_demands, name="demands"),
        path("demands/<int:demand_id>/", vendor.demand_detail, name="demand"),
        path("demands/<int:demand_id>/interest/", vendor.express_interest, name="express-interest"),
        path("partners/", vendor.partners, name="partners"),
    ],
    "vendor",
)

coordinator_patterns = (
    [
        path("", coordinator.index, name="index"),
        path("organizations/", coordinator.organizations, name="organizations"),
        path(
            "organizations/<int:pk>/decide/",
            coordinator.organization_decide,
            name="organization-decide",
        ),
        path("listings/", coordinator.listings, name="listings"),
        path("offerings/", coordinator.offering_queue, name="offerings"),
        path("demands/", coordinator.demand_queue, name="demands"),
        path("interest/", coordinator.interest, name="interest"),
        re_path(
            r"^listings/(?P<entity>offering|demand)/(?P<pk>[0-9]+)/$",
            coordinator.listing_detail,
            name="listing",
        ),
        re_path(
            r"^listings/(?P<entity>offering|demand)/(?P<pk>[0-9]+)/decide/$",
            coordinator.listing_decide,
            name="listing-decide",
        ),
        re_path(
            r"^listings/(?P<entity>offering|demand)/bulk/$",
            coordinator.listing_bulk_decide,
            name="listing-bulk-decide",
        ),
        path("matches/", coordinator.matches, name="matches"),
        path("matches/<int:pk>/<str:action>/", coordinator.match_decide, name="match-decide"),
        path("dashboard/", coordinator.dashboard, name="dashboard"),
        path("dashboard/cell/", coordinator.dashboard_cell, name="dashboard-cell"),
        path("dashboard/export.xlsx", coordinator.dashboard_export, name="dashboard-export"),
        path("cases/", cases.coordinator_cases, name="cases"),
        path("cases/<int:pk>/", cases.coordinator_case, name="case"),
        path("indicators/", indicators.indicators, name="indicators"),
    ],
    "coordinator",
)

urlpatterns = [
    path("", public.home, name="home"),
    path("search/", public.search, name="search"),
    path("cases/", cases.case_list, name="cases"),
    path("cases/mine/", cases.my_cases, name="my-cases"),
    path("cases/<int:pk>/", cases.case_detail, name="case"),
    path("cases/<int:pk>/consent/", cases.case_consent, name="case-consent"),
    path("cases/nominate/<int:match_id>/", cases.case_nominate, name="case-nominate"),
    path("offerings/<int:pk>/", public.offering, name="offering"),
    path("vendors/<int:pk>/", public.vendor, name="vendor"),
    path("regions/cities/", accounts.region_cities, name="region-cities"),
    path("regions/counties/", accounts.region_counties, name="region-counties"),
    path("accounts/", include(account_patterns)),
    path("my-work/", work.my_work, name="my-work"),
    path("introductions/", introductions.introduction_list, name="introductions"),
    path(
        "introductions/<int:pk>/respond/",
        introductions.introduction_respond,
        name="introduction-respond",
    ),
    path("enterprise/", include(enterprise_patterns)),
    path("vendor/", include(vendor_patterns)),
    path("coordinator/", include(coordinator_patterns)),
]
