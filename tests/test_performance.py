"""The lean token check keeps behaviour: same output, same rows, settings still live."""

from datetime import timedelta

from django.utils import timezone
from rest_framework import serializers

from accounts.api.serializers import UserSerializer
from accounts.models import Token, User
from accounts.tokens import keys as tokens
from accounts.tokens import last_used
from accounts.tokens import lookup as token_lookup


class _ModelUserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = UserSerializer.Meta.fields


def test_user_serializer_output_equals_the_model_serializers(user):
    user.first_name, user.last_name = "Ada", "Lovelace"
    user.date_joined = timezone.now().replace(microsecond=123456)
    assert UserSerializer(user).data == _ModelUserSerializer(user).data


def test_compiled_lookup_returns_the_same_rows_as_the_orm(issued_token):
    token, raw = issued_token
    found = token_lookup.build(token_lookup.fetch_row(tokens.digest(raw)))
    expected = Token.objects.select_related("user").get(pk=token.pk)
    for field in Token._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    for field in User._meta.concrete_fields:
        assert getattr(found.user, field.attname) == getattr(expected.user, field.attname)
    assert token_lookup.fetch_row(tokens.digest(tokens.generate())) is None


def test_last_used_at_is_written_after_the_response(api_client, issued_token, monkeypatch):
    token, raw = issued_token
    seen_before_finish = []
    original = last_used.flush

    def spy(**kwargs):
        seen_before_finish.append(Token.objects.get(pk=token.pk).last_used_at)
        return original(**kwargs)

    monkeypatch.setattr(last_used, "flush", spy)
    from django.core.signals import request_finished

    request_finished.disconnect(dispatch_uid="accounts.tokens.last_used.flush")
    request_finished.connect(spy, dispatch_uid="test.spy")
    try:
        response = api_client.get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    finally:
        request_finished.disconnect(dispatch_uid="test.spy")
        request_finished.connect(original, dispatch_uid="accounts.tokens.last_used.flush")
    assert response.status_code == 200
    assert seen_before_finish == [None]
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < timedelta(minutes=1)


def test_app_settings_follow_setting_changes(settings):
    from accounts.conf import app_settings

    settings.ACCOUNTS_TOKEN_LAST_USED_INTERVAL = 5
    assert app_settings.TOKEN_LAST_USED_INTERVAL == timedelta(seconds=5)
    settings.ACCOUNTS_TOKEN_LAST_USED_INTERVAL = 7
    assert app_settings.TOKEN_LAST_USED_INTERVAL == timedelta(seconds=7)


def test_built_instances_are_what_the_orm_builds(issued_token, django_assert_num_queries):
    token, raw = issued_token
    found = token_lookup.build(token_lookup.fetch_row(tokens.digest(raw)))
    expected = Token.objects.select_related("user").get(pk=token.pk)
    for built, orm in ((found, expected), (found.user, expected.user)):
        assert set(built.__dict__) == set(orm.__dict__) - {"_prefetched_objects_cache"}
        assert (built._state.adding, built._state.db) == (False, "default")
    with django_assert_num_queries(0):
        assert found.user.pk == token.user_id
    # Saved as an existing row (UPDATE), not a new one.
    found.name = "renamed"
    found.save(update_fields=["name"])
    assert Token.objects.get(pk=token.pk).name == "renamed"


def test_an_init_receiver_gets_the_models_own_constructor(issued_token):
    from django.db.models.signals import post_init

    token, raw = issued_token
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(type(instance))

    post_init.connect(receiver, sender=User)
    try:
        token_lookup._compiled.clear()  # compiled again, noticing the receiver
        found = token_lookup.build(token_lookup.fetch_row(tokens.digest(raw)))
    finally:
        post_init.disconnect(receiver, sender=User)
        token_lookup._compiled.clear()
    assert seen == [User]
    assert found.user.email == token.user.email


def test_both_models_are_built_directly_and_the_user_remembers_its_saved_state(issued_token):
    # User's from_db adds only its loaded_from_db hook, so the fast build applies and calls it:
    # an email change made through a token-authenticated user is still told to the old address.
    token, raw = issued_token
    assert token_lookup._direct(Token) and token_lookup._direct(User)
    found = token_lookup.build(token_lookup.fetch_row(tokens.digest(raw)))
    assert found.user._saved_state == (token.user.email, True)
    assert found.user._saved_state == User.objects.get(pk=token.user_id)._saved_state
