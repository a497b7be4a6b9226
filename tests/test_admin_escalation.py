"""A staff user who is not a superuser cannot escalate through the admin.

They hold view/change permission on users, yet cannot change the password, email or
`is_active` of a staff or superuser account (an email change is a reset away from a
takeover), nor grant `is_staff`, `is_superuser`, groups or permissions to anyone,
themselves included: the fields are not shown, posted values change nothing and the
password page of such an account is a 403.
"""

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.models import User

NEW = "a brand new passphrase 77"
CLERK_PASSWORD = "a clerk passphrase 1234"


def _perm(codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label="accounts", codename=codename)


@pytest.fixture
def clerk(db) -> User:
    clerk = User.objects.create_user("clerk@example.com", CLERK_PASSWORD, is_staff=True)
    clerk.user_permissions.add(_perm("view_user"), _perm("change_user"), _perm("add_user"))
    return clerk


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


@pytest.fixture
def root(db) -> User:
    return User.objects.create_superuser("root@example.com", "a root passphrase 1234")


@pytest.fixture
def staffer(db) -> User:
    return User.objects.create_user("staff@example.com", "a staff passphrase 1234", is_staff=True)


def _page(client, user) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


def _form_fields(client, user) -> set[str]:
    response = client.get(_page(client, user))
    assert response.status_code == 200
    return set(response.context["adminform"].form.fields)


def _post_everything(client, target, group, **overrides):
    """Post the change form with every privilege a browser could try to send."""
    data = {
        "email": target.email,
        "first_name": "Renamed",
        "last_name": "",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [group.pk],
        "user_permissions": [_perm("change_user").pk, _perm("delete_user").pk],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "tokens-TOTAL_FORMS": "0",
        "tokens-INITIAL_FORMS": "0",
        **overrides,
    }
    return client.post(_page(client, target), data)


@pytest.fixture
def group(db) -> Group:
    group = Group.objects.create(name="operators")
    group.permissions.add(_perm("delete_user"))
    return group


def test_privilege_fields_are_hidden_from_a_non_superuser(clerk_client, user):
    fields = _form_fields(clerk_client, user)
    assert {"email", "password", "is_active", "first_name"} <= fields
    assert not fields & {"is_staff", "is_superuser", "groups", "user_permissions"}


def test_posting_privileges_for_a_regular_user_changes_nothing(clerk_client, user, group):
    response = _post_everything(clerk_client, user, group)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.first_name == "Renamed"
    assert not user.is_staff and not user.is_superuser
    assert not user.groups.exists() and not user.user_permissions.exists()


def test_a_non_superuser_cannot_grant_themselves_anything(clerk_client, clerk, group):
    response = _post_everything(clerk_client, clerk, group, email="owned@example.com")
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert not clerk.is_superuser and not clerk.groups.exists()
    assert set(clerk.user_permissions.values_list("codename", flat=True)) == {
        "view_user",
        "change_user",
        "add_user",
    }
    assert clerk.email == "clerk@example.com"


@pytest.mark.parametrize("target_name", ["root", "staffer"])
def test_account_fields_of_staff_are_hidden_and_ignored(clerk_client, group, target_name, request):
    target = request.getfixturevalue(target_name)
    fields = _form_fields(clerk_client, target)
    assert not fields & {"email", "password", "is_active", "is_staff", "is_superuser"}
    assert "first_name" in fields
    before = User.objects.get(pk=target.pk)
    response = _post_everything(
        clerk_client, target, group, email="attacker@example.com", is_active=""
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.email, target.password, target.is_active) == (
        before.email,
        before.password,
        True,
    )
    assert (target.is_staff, target.is_superuser) == (before.is_staff, before.is_superuser)
    assert not target.groups.exists()


@pytest.mark.parametrize("target_name", ["root", "staffer", "clerk"])
def test_password_page_of_a_staff_account_is_403(clerk_client, target_name, request):
    target = request.getfixturevalue(target_name)
    before = target.password
    url = f"/admin/accounts/user/{target.pk}/password/"
    assert clerk_client.get(url).status_code == 403
    response = clerk_client.post(
        url, {"usable_password": "true", "password1": NEW, "password2": NEW}
    )
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.password == before


def test_a_non_superuser_may_still_set_a_regular_users_password(clerk_client, user):
    url = f"/admin/accounts/user/{user.pk}/password/"
    response = clerk_client.post(
        url, {"usable_password": "true", "password1": NEW, "password2": NEW}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW)


def test_a_superuser_sees_and_grants_everything(client, root, user, group):
    client.force_login(root)
    fields = _form_fields(client, user)
    assert {"is_staff", "is_superuser", "groups", "user_permissions", "email"} <= fields
    response = _post_everything(client, user, group)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_staff and user.is_superuser and user.groups.exists()


def test_a_non_superuser_cannot_add_permissions_to_a_group(clerk, client, group):
    clerk.user_permissions.add(
        Permission.objects.get(content_type__app_label="auth", codename="change_group"),
        Permission.objects.get(content_type__app_label="auth", codename="view_group"),
    )
    clerk.groups.add(group)
    client.force_login(clerk)
    url = f"/admin/auth/group/{group.pk}/change/"
    assert "permissions" not in client.get(url).context["adminform"].form.fields
    everything = list(Permission.objects.values_list("pk", flat=True))
    response = client.post(url, {"name": "operators", "permissions": everything})
    assert response.status_code == 302
    assert list(group.permissions.values_list("codename", flat=True)) == ["delete_user"]


def test_a_non_superuser_cannot_delete_a_staff_account(clerk, clerk_client, root, staffer):
    clerk.user_permissions.add(_perm("delete_user"))
    regular = User.objects.create_user("plain@example.com", "a plain passphrase 1234")
    for target in (root, staffer):
        assert clerk_client.get(f"/admin/accounts/user/{target.pk}/delete/").status_code == 403
        response = clerk_client.post(
            "/admin/accounts/user/",
            {"action": "delete_selected", "_selected_action": [target.pk], "post": "yes"},
        )
        assert response.status_code == 403
        assert User.objects.filter(pk=target.pk).exists()
    # An ordinary account stays theirs to delete.
    response = clerk_client.post(f"/admin/accounts/user/{regular.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=regular.pk).exists()


def test_credentials_of_an_mfa_account_are_hidden_and_ignored(clerk_client, mfa, group, root):
    # A helpdesk operator could otherwise point an MFA account's email at themselves and
    # pass its second step with an emailed code.
    target = mfa.user
    fields = _form_fields(clerk_client, target)
    assert not fields & {"email", "password"}
    assert {"first_name", "is_active"} <= fields
    before = User.objects.get(pk=target.pk)
    response = _post_everything(
        clerk_client, target, group, email="helpdesk@example.com", password="x"
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.email == before.email and target.password == before.password
    assert target.first_name == "Renamed"
    page = clerk_client.get(f"/admin/accounts/user/{target.pk}/password/")
    assert page.status_code == 403
    posted = clerk_client.post(
        f"/admin/accounts/user/{target.pk}/password/",
        {"password1": NEW, "password2": NEW, "usable_password": "true"},
    )
    assert posted.status_code == 403
    assert User.objects.get(pk=target.pk).check_password(NEW) is False
    # A superuser may still do both, for an owner who lost their mailbox.
    clerk_client.force_login(root)
    assert "email" in _form_fields(clerk_client, target)
    assert clerk_client.get(f"/admin/accounts/user/{target.pk}/password/").status_code == 200
