import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.passwords.validators import blocklist

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


# A review's crafted password: every look-alike zxcvbn knows, which made it try 736
# readings of the password against every dictionary (about 2 s of CPU per registration).
CRAFTED = ("4@8({[<369 1!|70$5+%2" * 4)[:72]


@pytest.fixture
def zxcvbn_work(monkeypatch) -> dict[str, list]:
    """Record what zxcvbn is given and how many look-alike readings it tries."""
    import zxcvbn
    from zxcvbn import matching

    work: dict[str, list] = {"inputs": [], "readings": []}
    original_zxcvbn, original_subs = zxcvbn.zxcvbn, matching.enumerate_l33t_subs

    def recorded_zxcvbn(password, *args, **kwargs):
        work["inputs"].append(password)
        return original_zxcvbn(password, *args, **kwargs)

    def recorded_subs(table):
        subs = original_subs(table)
        work["readings"].append(len(subs))
        return subs

    monkeypatch.setattr(zxcvbn, "zxcvbn", recorded_zxcvbn)
    monkeypatch.setattr(matching, "enumerate_l33t_subs", recorded_subs)
    return work


def test_the_crafted_password_costs_zxcvbn_a_bounded_search(api_client, db, zxcvbn_work):
    response = api_client.post(
        REGISTER, {"email": "ada@example.com", "password": CRAFTED}, format="json"
    )
    assert response.status_code == 201, response.json()
    (scored,) = zxcvbn_work["inputs"]
    assert CRAFTED.startswith(scored)
    # A handful of readings, not 736.
    assert zxcvbn_work["readings"] and max(zxcvbn_work["readings"]) <= 16


@pytest.mark.parametrize(
    "password",
    [CRAFTED, CRAFTED[::-1], CRAFTED.replace(" ", "x") + "y" * 900, "1|7 lantern " * 6],
)
def test_zxcvbn_never_tries_more_than_16_readings(zxcvbn_work, password):
    _errors(password)
    assert zxcvbn_work["readings"] and max(zxcvbn_work["readings"]) <= 16
    assert all(len(scored) <= 72 for scored in zxcvbn_work["inputs"])


def test_the_blocklist_still_sees_the_whole_password(zxcvbn_work):
    # zxcvbn scores only the symbols at the start; the word behind them is still found.
    assert _errors("4@8({[<369|!$+%2" + "password" + "4@8({[<369|!$+%2") == [
        "This password is too common: it is on a list of passwords seen in data breaches."
    ]


def test_the_look_alike_bound_holds_for_any_password():
    import random

    from zxcvbn.matching import L33T_TABLE, enumerate_l33t_subs, relevant_l33t_subtable

    from accounts.passwords.validators import zxcvbn_input

    alphabet = "".join({c for subs in L33T_TABLE.values() for c in subs}) + "abcxyz -"
    rng = random.Random(8)
    for _ in range(500):
        password = "".join(rng.choice(alphabet) for _ in range(rng.randint(15, 80)))
        scored = zxcvbn_input(password)
        assert password.startswith(scored) and len(scored) <= 72
        assert len(enumerate_l33t_subs(relevant_l33t_subtable(scored, L33T_TABLE))) <= 16


@pytest.mark.parametrize(
    "password",
    ["839201746519283", "7$Kq!v9(Lm2@xR4{pZ8<", "purple 4 m0nkey dishwasher", "1|7 lantern " * 6],
)
def test_ordinary_passwords_are_scored_whole(password):
    from accounts.passwords.validators import zxcvbn_input

    assert zxcvbn_input(password) == password[:72]
