"""Who may change what in the user admin: no escalation for staff who are not superusers.

A non-superuser holding `change_user` may edit ordinary accounts, but may not
- grant `is_staff`, `is_superuser`, groups or permissions to anyone, themselves
  included (the fields are left out of their forms, so posted values are ignored);
- change the password, email or `is_active` of a staff or superuser account: an
  email change is a password reset away from a takeover. The password page of such
  an account is a 403 for them;
- change the password or email of an account whose credentials a feature protects
  (`protected_credential_fields`: accounts.mfa protects accounts with MFA on, whose
  second factor an email change would otherwise hand to the operator).
The same holds for groups: only a superuser may change a group's permissions.
"""

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

PRIVILEGE_FIELDS = frozenset({"is_staff", "is_superuser", "groups", "user_permissions"})
# The fields that control who can sign in as an account.
CREDENTIAL_FIELDS = frozenset({"email", "password", "is_active"})


def is_privileged(user) -> bool:
    return bool(user.is_staff or user.is_superuser)


def hidden_user_fields(
    request, obj=None, protected: frozenset[str] = frozenset()
) -> frozenset[str]:
    """The user fields the operator of `request` may neither see nor change on `obj`;
    `protected` adds credential fields a feature guards on this account."""
    if request.user.is_superuser:
        return frozenset()
    if obj is not None and is_privileged(obj):
        return PRIVILEGE_FIELDS | CREDENTIAL_FIELDS
    return PRIVILEGE_FIELDS | (protected if obj is not None else frozenset())


class NoEscalationUserAdminMixin:
    """For UserAdmin: leave out the fields above, and refuse the password page."""

    def protected_credential_fields(self, obj) -> frozenset[str]:
        """Credential fields of `obj` only superusers may change; features extend it."""
        return frozenset()

    def hidden_fields(self, request, obj=None) -> frozenset[str]:
        protected = self.protected_credential_fields(obj) if obj is not None else frozenset()
        return hidden_user_fields(request, obj, protected)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        hidden = self.hidden_fields(request, obj)
        if not hidden:
            return fieldsets
        # The form is built from these fieldsets, so hidden fields are not in it at all.
        kept = []
        for name, options in fieldsets:
            fields = [field for field in options["fields"] if field not in hidden]
            if fields:
                kept.append((name, {**options, "fields": fields}))
        return kept

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        # Declared fields (the password hash and its link) stay unless removed by name.
        declared = self.hidden_fields(request, obj) & set(form.base_fields)
        if declared:
            form = type(form.__name__, (form,), dict.fromkeys(declared))
        return form

    def has_delete_permission(self, request, obj=None):
        # Deleting a staff account is a takeover of its place for the rest of the staff.
        if obj is not None and not request.user.is_superuser and is_privileged(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        # The bulk action checks no object: refuse a selection holding a staff account.
        if not request.user.is_superuser and any(is_privileged(user) for user in queryset):
            raise PermissionDenied
        return super().delete_queryset(request, queryset)

    def user_change_password(self, request, id, form_url=""):
        target = self.get_object(request, admin.utils.unquote(id))
        if target is not None and "password" in self.hidden_fields(request, target):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(auth_admin.GroupAdmin):
    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if request.user.is_superuser:
            return fields
        # A group's permissions are granted to every member, the operator perhaps included.
        return [field for field in fields if field != "permissions"]
