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

from search.memory.store import ResearchStore, StoreError, check_name

MIN_PASSWORD = 10            # characters
_SCRYPT = (2 ** 14, 8, 1)    # n, r, p: ~16 MB and ~50 ms per check, OWASP's minimum for scrypt


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _hash_password(password: str, salt: bytes | None = None, n: int = _SCRYPT[0], r: int = _SCRYPT[1],
                   p: int = _SCRYPT[2]) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def add_account(store: ResearchStore, name: str, password: str, *, replace: bool = False) -> None:
    """Make an account (or, with `replace`, set its password)."""
    name = check_name(name, "account name")
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise StoreError(f"a password needs at least {MIN_PASSWORD} characters")
    with store.transaction() as db:
        exists = db.execute("SELECT 1 FROM account WHERE name = ?", (name,)).fetchone()
        if exists and not replace:
            raise StoreError(f"an account named {name!r} exists: to set its password, replace it")
        db.execute("INSERT OR REPLACE INTO account VALUES (?,?,?)", (name, _hash_password(password), _now()))


def remove_account(store: ResearchStore, name: str) -> None:
    """Remove an account and its tokens (what it made keeps its name as the author)."""
    with store.transaction() as db:
        if db.execute("DELETE FROM account WHERE name = ?", (check_name(name, "account name"),)).rowcount == 0:
            raise StoreError(f"no account named {name!r}")


def accounts(store: ResearchStore) -> list[str]:
    return [row[0] for row in store.read("SELECT name FROM account ORDER BY name")]


def check_password(store: ResearchStore, name: str, password: str) -> str | None:
    """The account's name when `password` is its password, else None (the same work either
    way, so timing does not tell which account names exist)."""
    rows = store.read("SELECT name, password FROM account WHERE name = ?", (name,)) if isinstance(name, str) else []
    stored = rows[0][1] if rows else _hash_password("", b"\0" * 16)
    _, n, r, p, salt, _digest = stored.split("$")
    given = _hash_password(password if isinstance(password, str) else "", bytes.fromhex(salt), int(n), int(r), int(p))
    return rows[0][0] if hmac.compare_digest(given, stored) and rows else None


def add_token(store: ResearchStore, account: str, label: str = "") -> str:
    """A new API token for `account` (returned once; only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    with store.transaction() as db:
        if not db.execute("SELECT 1 FROM account WHERE name = ?", (account,)).fetchone():
            raise StoreError(f"no account named {account!r}: make it first (newsearch account add NAME)")
        db.execute("INSERT INTO token VALUES (?,?,?,?)",
                   (hashlib.sha256(token.encode()).hexdigest(), account, label[:100], _now()))
    return token


def token_account(store: ResearchStore, token: str) -> str | None:
    """The account a token belongs to, or None."""
    if not isinstance(token, str) or not token:
        return None
    rows = store.read("SELECT account FROM token WHERE hash = ?", (hashlib.sha256(token.encode()).hexdigest(),))
    return rows[0][0] if rows else None


def revoke_tokens(store: ResearchStore, account: str) -> int:
    """Revoke every token of an account; how many."""
    with store.transaction() as db:
        return db.execute("DELETE FROM token WHERE account = ?", (account,)).rowcount


def web_secret(store: ResearchStore) -> bytes:
    """The key that signs the web's session cookies, made once per store: every server of a
    deployment that shares the store signs alike, and a restart does not sign everyone out."""
    with store.transaction() as db:
        row = db.execute("SELECT value FROM meta WHERE key = 'web_secret'").fetchone()
        if row:
            return bytes.fromhex(row[0])
        secret = secrets.token_bytes(32)
        db.execute("INSERT INTO meta VALUES ('web_secret', ?)", (secret.hex(),))
        return secret


__all__ = ["add_account", "remove_account", "accounts", "check_password", "add_token", "token_account",
           "revoke_tokens", "web_secret", "MIN_PASSWORD"]
