import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.validators import blocklist

REGISTER = "/api/auth/register/"


def _errors(password: str, email: str = "alice@example.com") -> list[str]:
    try:
        password_validation.validate_password(password, User(email=email))
    except ValidationError as error:
        return list(error.messages)
    return []


def test_fifteen_characters_is_the_minimum():
    assert _errors("violet tractor7") == []  # 15
    assert _errors("violet tractor") == [
        "This password is too short. It must contain at least 15 characters."
    ]


def test_length_counts_code_points_not_bytes():
    fifteen = "żółwśpiącyłąkęć"  # 15 code points, 25 bytes in UTF-8
    assert _errors(fifteen) == []
    assert _errors(fifteen[:14])[0].startswith("This password is too short.")
    assert _errors("🐢🦊🐙🦉🐝🦀🐳🦔🐌🦒🐧🦩🐊🦜🐞") == []


def test_1024_characters_is_the_maximum():
    import secrets

    long_one = secrets.token_urlsafe(768)[:1024]
    assert len(long_one) == 1024 and _errors(long_one) == []
    assert _errors(long_one + "x") == [
        "This password is too long. It must contain at most 1024 characters."
    ]


@pytest.mark.parametrize(
    "password",
    [
        "all lower case words here",
        "ALL UPPER CASE WORDS HERE",
        "839201746519283",
        "no-digits-no-capitals-just-dashes",
        "  spaces around it count  ",
    ],
)
def test_no_composition_rules(password):
    assert _errors(password) == []


def test_blocklist_has_over_100000_entries():
    assert len(blocklist()) >= 100_000
    assert {"password", "qwerty", "iloveyou", "dragon"} <= blocklist()


@pytest.mark.parametrize(
    "password",
    [
        "passwordpassword",  # a common password repeated
        "Password12345678!",  # decorated at the ends
        "p@ssw0rd2024!!!!!",  # look-alike characters
        "iloveyouiloveyou",
        "trustno1trustno1",
        "1234567890qwertyuiop",  # both a breached password itself
    ],
)
def test_common_passwords_are_refused_in_disguise(password):
    assert (
        "This password is too common: it is on a list of passwords seen in data breaches."
        in _errors(password)
    )


@pytest.mark.parametrize("password", ["aaaaaaaaaaaaaaaa", "abcabcabcabcabcabc", "1212121212121212"])
def test_repeated_characters_are_refused(password):
    assert "This password is too easy to guess: it repeats a few characters." in _errors(password)


@pytest.mark.parametrize(
    ("password", "email"),
    [
        ("authsite authsite 2024", "bob@example.org"),
        ("AuthSite-Password-1", "bob@example.org"),
        ("alice.example.com2024", "alice@example.com"),
        ("zebracrossing-zebracrossing", "zebracrossing@example.net"),
    ],
)
def test_context_words_are_refused(password, email):
    assert (
        "This password is too easy to guess: it is made mostly of your email address "
        "or the name of this service." in _errors(password, email)
    )


def test_context_words_inside_a_long_passphrase_are_fine():
    assert _errors("alice rides a yellow bicycle to work", "alice@example.com") == []


def test_register_explains_each_failed_rule(api_client, db):
    response = api_client.post(
        REGISTER, {"email": "dave@example.com", "password": "qwerty"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "password": [
            "This password is too short. It must contain at least 15 characters.",
            "This password is too common: it is on a list of passwords seen in data breaches.",
        ]
    }


def test_a_megabyte_password_is_refused_without_hashing(api_client, db, hasher_calls):
    huge = "x" * 1_000_000
    response = api_client.post(
        REGISTER, {"email": "eve@example.com", "password": huge}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"password": ["Ensure this field has no more than 1024 characters."]}
    response = api_client.post(
        "/api/auth/login/", {"email": "eve@example.com", "password": huge}, format="json"
    )
    assert response.status_code == 400
    assert hasher_calls == []
    assert not User.objects.exists()


def test_a_body_over_the_upload_limit_is_413(api_client, db, settings, hasher_calls):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    response = api_client.post(
        "/api/auth/login/", {"email": "eve@example.com", "password": "x" * 200_000}, format="json"
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body is too large."}
    assert hasher_calls == []


def test_admin_login_refuses_an_overlong_password_without_hashing(client, db, hasher_calls):
    response = client.post("/admin/login/", {"username": "a@example.com", "password": "x" * 2000})
    assert response.status_code == 200
    assert hasher_calls == []


def test_admin_user_creation_uses_the_same_policy(client, db):
    admin = User.objects.create_superuser("root@example.com", "an admin passphrase 1")
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "new@example.com",
            "usable_password": "true",
            "password1": "short one",
            "password2": "short one",
        },
    )
    assert response.status_code == 200
    assert b"This password is too short. It must contain at least 15 characters." in (
        response.content
    )
    assert not User.objects.filter(email="new@example.com").exists()


@pytest.mark.parametrize(
    "password",
    [
        " " * 16,
        "\t" * 15,
        "123456789012345",
        "abcdefghijklmno",
        "qwertyuiopasdfg",
        "ĀāĂăĄąĆćĈĉĊċČčĎ",
    ],
)
def test_predictable_patterns_are_refused(password):
    assert "This password is too easy to guess" in " ".join(_errors(password))
