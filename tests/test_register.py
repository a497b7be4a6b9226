from accounts.models import User

REGISTER = "/api/auth/register/"


def test_register_creates_user(api_client, db):
    response = api_client.post(
        REGISTER, {"email": "New@Example.com", "password": "a fine long passphrase"}, format="json"
    )
    assert response.status_code == 201
    user = User.objects.get(email="new@example.com")
    assert response.json() == {"id": user.id, "email": "new@example.com"}
    assert user.check_password("a fine long passphrase")
    assert user.password.startswith("argon2$argon2id$")


def test_register_taken_email_in_any_case(api_client, user):
    response = api_client.post(
        REGISTER, {"email": user.email.upper(), "password": "a fine long passphrase"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"email": ["A user with that email already exists."]}
    assert User.objects.count() == 1


def test_taken_email_answers_are_rate_limited_per_ip(api_client, user, settings):
    # The taken-email 400 is the documented exception to ASVS 6.3.8: the per-IP rate bounds
    # how many emails one client can test.
    settings.ACCOUNTS_REGISTER_RATE = "3/hour"
    taken = {"email": user.email, "password": "a fine long passphrase"}
    for _ in range(3):
        response = api_client.post(REGISTER, taken, format="json")
        assert response.json() == {"email": ["A user with that email already exists."]}
    over = api_client.post(REGISTER, taken, format="json")
    assert over.status_code == 429
    assert int(over["Retry-After"]) >= 1
    assert "email" not in over.json()
    free = {"email": "new@example.com", "password": "a fine long passphrase"}
    assert api_client.post(REGISTER, free, format="json").status_code == 429
    other_ip = api_client.post(REGISTER, taken, format="json", REMOTE_ADDR="198.51.100.7")
    assert other_ip.status_code == 400
    assert User.objects.count() == 1


def test_register_runs_password_validators(api_client, db):
    response = api_client.post(
        REGISTER, {"email": "dave@example.com", "password": "qwerty"}, format="json"
    )
    assert response.status_code == 400
    messages = response.json()["password"]
    assert any("too common" in message for message in messages)
    assert any("too short" in message for message in messages)
    assert not User.objects.exists()


def test_register_rejects_password_similar_to_email(api_client, db):
    response = api_client.post(
        REGISTER,
        {"email": "zebracrossing@example.com", "password": "zebracrossing"},
        format="json",
    )
    assert response.status_code == 400
    assert any("too similar" in message for message in response.json()["password"])


def test_register_bad_email(api_client, db):
    response = api_client.post(
        REGISTER, {"email": "not-an-email", "password": "a fine long passphrase"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"email": ["Enter a valid email address."]}


def test_register_can_be_switched_off(api_client, db, settings):
    settings.ACCOUNTS_ALLOW_REGISTRATION = False
    response = api_client.post(
        REGISTER, {"email": "eve@example.com", "password": "a fine long passphrase"}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Registration is closed."}
    assert not User.objects.exists()


# 244 characters as typed, 464 once lower-cased: "İ".lower() is two characters.
GROWING_EMAIL = "a@" + ".".join(["İ" * 20] * 11) + ".example.com"


def test_an_email_too_long_once_normalised_is_a_400(api_client, db):
    assert len(GROWING_EMAIL) <= 254 < len(GROWING_EMAIL.lower())
    response = api_client.post(
        REGISTER,
        {"email": GROWING_EMAIL, "password": "plum-tree orbit harbour lantern"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"email": ["Ensure this field has no more than 254 characters."]}
    assert not User.objects.exists()


def test_the_admin_refuses_an_email_too_long_once_normalised(staff_client):
    response = staff_client.post(
        "/admin/accounts/user/add/",
        {
            "email": GROWING_EMAIL,
            "usable_password": "true",
            "password1": "plum-tree orbit harbour lantern",
            "password2": "plum-tree orbit harbour lantern",
        },
    )
    assert response.status_code == 200
    assert b"Ensure this value has at most 254 characters" in response.content
    assert User.objects.count() == 1  # the operator only
