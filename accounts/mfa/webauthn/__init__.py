"""Passkeys (WebAuthn): a phishing-resistant second factor and passwordless sign-in."""
