"""Admin for users, organisations and API keys; verification goes through the services."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework_api_key.admin import APIKeyModelAdmin

from . import services
from .models import APIKey, Membership, Organization, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "email", "is_staff", "is_active", "date_joined"]
    fieldsets = (*BaseUserAdmin.fieldsets, (_("资料"), {"fields": ["display_name"]}))


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "role", "province", "verification_status", "created_at"]
    list_filter = ["verification_status", "role", "province"]
    search_fields = ["name", "credit_code", "contact_name", "contact_email"]
    readonly_fields = ["verification_status", "verified_at", "created_at", "updated_at"]
    autocomplete_fields = ["province", "city"]
    inlines = [MembershipInline]
    actions = ["verify_selected"]

    @admin.action(description=_("认证所选组织"))
    def verify_selected(self, request, queryset):
        for organization in queryset:
            services.organization_verify(
                actor=request.user, organization=organization, approve=True
            )
        n = queryset.count()
        self.message_user(
            request,
            ngettext("已认证 %(n)d 个组织。", "已认证 %(n)d 个组织。", n) % {"n": n},
            messages.SUCCESS,
        )


@admin.register(APIKey)
class OrganizationAPIKeyAdmin(APIKeyModelAdmin):
    list_display = [*APIKeyModelAdmin.list_display, "organization", "is_platform", "last_used_at"]
    list_filter = [*APIKeyModelAdmin.list_filter, "is_platform"]
    search_fields = [*APIKeyModelAdmin.search_fields, "organization__name"]
    autocomplete_fields = ["organization"]
