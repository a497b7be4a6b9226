from django.contrib.auth.hashers import Argon2PasswordHasher

from accounts.passwords.admission import hashing_slot


class Argon2idPasswordHasher(Argon2PasswordHasher):
    """argon2id tuned for a 2-core server: about 80 ms a hash instead of 150-200 ms.

    It keeps the "argon2" algorithm name, so hashes made with Django's default
    argon2 parameters still verify and are rehashed with these on the next login.
    Every hash and check holds a slot (accounts.passwords.admission), so a burst of
    logins is answered in time or refused with 503, never left to outwait the proxy.
    """

    time_cost = 3
    memory_cost = 64 * 1024  # KiB, so 64 MiB
    parallelism = 2

    def encode(self, password, salt):
        with hashing_slot():
            return super().encode(password, salt)

    def verify(self, password, encoded):
        with hashing_slot():
            return super().verify(password, encoded)


class RecoveryCodeHasher(Argon2PasswordHasher):
    """argon2id for MFA recovery codes (ASVS 6.5.2: a salted password hash below 112 bits).

    A recovery code's secret is 59 random bits, not a human choice: even at this cost (a
    few milliseconds, 4 MiB) an offline search needs about 2^58 hashes per code, tens of
    millions of years, while regenerating ten codes stays quick. Its own algorithm name,
    so it can never stand in for a user's password hash parameters.
    """

    algorithm = "argon2_recovery"
    time_cost = 2
    memory_cost = 4 * 1024  # KiB, so 4 MiB
    parallelism = 1
