"""TOTP secrets at rest (encrypted, rotatable keys), code strength, and the clean-up commands."""

import pytest
from cryptography.fernet import InvalidToken
from django.core.management import CommandError, call_command

from accounts.mfa import codes, crypto
from accounts.mfa.models import Authenticator


def test_encryption_is_randomised_and_round_trips(settings):
    settings.ACCOUNTS_MFA_ENCRYPTION_KEYS = "first key"
    first, second = crypto.encrypt("JBSWY3DPEHPK3PXP"), crypto.encrypt("JBSWY3DPEHPK3PXP")
    assert first != second and "JBSWY3DPEHPK3PXP" not in first
    assert crypto.decrypt(first) == "JBSWY3DPEHPK3PXP"


def test_old_keys_decrypt_and_unknown_keys_fail(settings):
    settings.ACCOUNTS_MFA_ENCRYPTION_KEYS = "old key"
    ciphertext = crypto.encrypt("SECRET")
    settings.ACCOUNTS_MFA_ENCRYPTION_KEYS = "new key, old key"
    assert crypto.decrypt(ciphertext) == "SECRET"
    settings.ACCOUNTS_MFA_ENCRYPTION_KEYS = "new key"
    with pytest.raises(InvalidToken):
        crypto.decrypt(ciphertext)


def test_the_default_key_comes_from_secret_key_and_its_fallbacks(settings):
    settings.ACCOUNTS_MFA_ENCRYPTION_KEYS = None
    old, new = "old-secret-key-" + "x" * 40, "new-secret-key-" + "y" * 40
    settings.SECRET_KEY = old
    ciphertext = crypto.encrypt("SECRET")
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = new, [old]
    assert crypto.configured_keys() == (new, old)
    assert crypto.decrypt(ciphertext) == "SECRET"
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(InvalidToken):
        crypto.decrypt(ciphertext)


def test_rotatemfakeys_re_encrypts_under_the_first_key(mfa, settings, capsys):
    settings.ACCOUNTS_MFA_ENCRYPTION_KEYS = "new key," + ",".join(
        [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    )
    call_command("rotatemfakeys")
    assert "Re-encrypted 1 TOTP secrets." in capsys.readouterr().out
    settings.ACCOUNTS_MFA_ENCRYPTION_KEYS = "new key"
    authenticator = Authenticator.objects.get(user=mfa.user)
    assert crypto.decrypt(authenticator.encrypted_secret) == mfa.secret
    assert authenticator.verify(mfa.code())


def test_rotatemfakeys_names_secrets_no_key_opens(mfa, settings):
    settings.ACCOUNTS_MFA_ENCRYPTION_KEYS = "an unrelated key"
    with pytest.raises(CommandError, match="match no key"):
        call_command("rotatemfakeys")


def test_recovery_codes_have_at_least_fifty_bits():
    import math

    code = codes.new_recovery_code()
    symbols = len(codes.normalise_recovery_code(code))
    assert symbols * math.log2(len(codes.RECOVERY_ALPHABET)) >= 50
    assert codes.normalise_recovery_code(f" {code.upper()} ") == code.replace("-", "")


def test_purgemfachallenges_deletes_only_expired_pending_logins(mfa, settings, capsys):
    import time

    import time_machine

    from accounts.mfa.models import Challenge

    with time_machine.travel(time.time() - 600, tick=False):
        Challenge.objects.issue(mfa.user, token_name="old")
    Challenge.objects.issue(mfa.user, token_name="new")
    call_command("purgemfachallenges")
    assert "Deleted 1 pending login." in capsys.readouterr().out
    assert list(Challenge.objects.values_list("token_name", flat=True)) == ["new"]
