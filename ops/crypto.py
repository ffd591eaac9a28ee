"""Secrets at rest (X3): Fernet encryption of model fields with keys from the environment.

``FIELD_ENCRYPTION_KEYS`` is a list of Fernet keys: the first encrypts, every one of them
decrypts (``cryptography``'s MultiFernet). Rotating without downtime is therefore: add
the new key at the end everywhere (every process can read what the new key writes),
move it to the front (new writes use it), run ``manage.py rotate_encryption_keys``
(every row re-encrypted with it), then drop the old key. docs/operations.md says it
step by step.

Why our own small field rather than a package: the maintained Django packages derive
their keys from ``SECRET_KEY`` (rotating the session key would then lose the channel
secrets) or offer no re-encryption; this is MultiFernet from ``cryptography`` (audited,
maintained) plus a field of forty lines.

Stored values are ``fernet:<token>``. A value without the prefix is a row written before
encryption was introduced and is read as it is (the data migration encrypts them; a
process running the new code before the migration still works).
"""

from __future__ import annotations

import functools
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.lookups import Exact, IsNull

PREFIX = "fernet:"

#: The key of the embedded demo: public (it is in the repository), like the demo
#: SECRET_KEY. ``check --deploy`` warns when it is used in production (ops.W001).
DEMO_FIELD_ENCRYPTION_KEY = "ZGVtby1rZXktb2YtdGhlLWVtYmVkZGVkLWRlZmF1bHQ="


class SecretUndecryptable(ImproperlyConfigured):
    """A stored secret none of ``FIELD_ENCRYPTION_KEYS`` opens (a key removed too early)."""


def configured_keys() -> tuple[str, ...]:
    keys = settings.FIELD_ENCRYPTION_KEYS
    if isinstance(keys, str):
        keys = [k for k in (part.strip() for part in keys.split(",")) if k]
    return tuple(keys)


def keys_check(keys: tuple[str, ...]) -> None:
    """Raise ImproperlyConfigured unless ``keys`` are usable: at least one, each a Fernet key
    (the system check ``ops.E001`` asks this)."""
    _fernets(keys)


@functools.lru_cache(maxsize=8)
def _fernets(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: give at least one Fernet key")
    try:
        fernets = [Fernet(key) for key in keys]
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe base64 bytes; "
            "make one with `python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`)"
        ) from exc
    return MultiFernet(fernets), fernets[0]


def encrypt(plaintext: str) -> str:
    """``plaintext`` encrypted with the first key, with the prefix."""
    multi, _ = _fernets(configured_keys())
    return PREFIX + multi.encrypt(plaintext.encode()).decode()


def decrypt(stored: str) -> str:
    """The plaintext of a stored value (a value without the prefix is legacy plaintext)."""
    if not stored.startswith(PREFIX):
        return stored
    return _decrypt(stored[len(PREFIX) :], configured_keys())


@functools.lru_cache(maxsize=1024)
def _decrypt(token: str, keys: tuple[str, ...]) -> str:
    """Cached by token: a channel row is read on many paths (each send, the sandbox's token
    check), its ciphertext changes only when it is saved; decrypting costs ~20 µs, a hit
    ~0.2 µs."""
    multi, _ = _fernets(keys)
    try:
        return multi.decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUndecryptable(
            "a stored secret cannot be decrypted with any key of FIELD_ENCRYPTION_KEYS "
            "(was a key removed before `manage.py rotate_encryption_keys` ran?)"
        ) from None


def needs_rotation(stored: str | None) -> bool:
    """True for a value not encrypted with the first key (legacy plaintext included)."""
    if not stored:
        return False
    if not stored.startswith(PREFIX):
        return True
    _, primary = _fernets(configured_keys())
    try:
        primary.decrypt(stored[len(PREFIX) :].encode())
    except InvalidToken:
        return True
    return False


class EmptyOnlyExact(Exact):
    """Encryption is randomised: equal secrets are stored differently, so a lookup can only
    ask whether a secret is set (``= ''``); anything else would silently match nothing."""

    def get_prep_lookup(self) -> Any:
        if self.rhs not in ("", None) and not hasattr(self.rhs, "resolve_expression"):
            raise ValueError("an encrypted field can only be compared with '' (is it set?)")
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):
    """Text stored encrypted (``FIELD_ENCRYPTION_KEYS``); read as plaintext. An empty value
    stays empty ("not set"). ``max_length`` only bounds what forms accept."""

    description = "Text encrypted at rest"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return decrypt(value) if value else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "exact":
            return EmptyOnlyExact
        if lookup_name == "isnull":
            return IsNull
        return None  # "Unsupported lookup": no icontains over ciphertext


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every concrete model with encrypted fields, and those fields' names."""
    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found
