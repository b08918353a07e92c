"""Accounts and API tokens: who may change saved searches, tags and collections on a server
that listens beyond localhost (issue 22). Managed from the command line only
(`newsearch account add NAME`, `newsearch token add NAME`); the web signs people in with them.

Passwords are stored as scrypt hashes (hashlib, the standard library: memory-hard, per-password
salt), tokens as SHA-256 hashes (a token is 256 random bits, so a fast hash suffices and a
stolen store gives none of them away). A token is shown once, when it is made.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timezone

from search.memory.store import MemoryStore, StoreError, check_name

MIN_PASSWORD = 10            # characters
_SCRYPT = (2 ** 14, 8, 1)    # n, r, p: ~16 MB and ~50 ms per check, OWASP's minimum for scrypt


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _hash_password(password: str, salt: bytes | None = None, n: int = _SCRYPT[0], r: int = _SCRYPT[1],
                   p: int = _SCRYPT[2]) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def add_account(store: MemoryStore, name: str, password: str, *, replace: bool = False) -> None:
    """Make an account (or, with `replace`, set its password)."""
    name = check_name(name, "account name")
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise StoreError(f"a password needs at least {MIN_PASSWORD} characters")
    if not store.put_account(name, _hash_password(password), _now(), replace=replace):
        raise StoreError(f"an account named {name!r} exists: to set its password, replace it")


def remove_account(store: MemoryStore, name: str) -> None:
    """Remove an account and its tokens (what it made keeps its name as the author)."""
    if not store.delete_account(check_name(name, "account name")):
        raise StoreError(f"no account named {name!r}")


def accounts(store: MemoryStore) -> list[str]:
    return store.account_names()


def check_password(store: MemoryStore, name: str, password: str) -> str | None:
    """The account's name when `password` is its password, else None (the same work either
    way, so timing does not tell which account names exist)."""
    found = store.account_password(name) if isinstance(name, str) else None
    stored = found if found is not None else _hash_password("", b"\0" * 16)
    _, n, r, p, salt, _digest = stored.split("$")
    given = _hash_password(password if isinstance(password, str) else "", bytes.fromhex(salt), int(n), int(r), int(p))
    return name if hmac.compare_digest(given, stored) and found is not None else None


def add_token(store: MemoryStore, account: str, label: str = "") -> str:
    """A new API token for `account` (returned once; only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    if not store.put_token(hashlib.sha256(token.encode()).hexdigest(), account, label[:100], _now()):
        raise StoreError(f"no account named {account!r}: make it first (newsearch account add NAME)")
    return token


def token_account(store: MemoryStore, token: str) -> str | None:
    """The account a token belongs to, or None."""
    if not isinstance(token, str) or not token:
        return None
    return store.token_account(hashlib.sha256(token.encode()).hexdigest())


def revoke_tokens(store: MemoryStore, account: str) -> int:
    """Revoke every token of an account; how many."""
    return store.revoke_tokens(account)


def web_secret(store: MemoryStore) -> bytes:
    """The key that signs the web's session cookies, made once per store: every server of a
    deployment that shares the store signs alike, and a restart does not sign everyone out."""
    return bytes.fromhex(store.meta_value("web_secret", lambda: secrets.token_bytes(32).hex()))


__all__ = ["add_account", "remove_account", "accounts", "check_password", "add_token", "token_account",
           "revoke_tokens", "web_secret", "MIN_PASSWORD"]
