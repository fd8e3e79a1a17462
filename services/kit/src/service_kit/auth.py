"""Who is calling: agencies authenticate with API keys, which the platform keeps only as argon2
hashes (decision 0007).

A key reads `rk_<key id>_<secret>`. The key id finds the one stored entry to check, so a request
costs one argon2 verification (about 90 ms of CPU), and a verified key is remembered (by its
SHA-256, never the key itself) for its lifetime: until it expires, or for as long as this process
has the keys file (a key is withdrawn by taking it out of the file and restarting), so a busy
agency pays it once per process. The verification runs off the event loop, so a new key (or a
wrong secret) never holds up the requests in flight. The keys file lists, per
key: its id, the agency, its roles, the argon2 hash and an optional expiry. It holds no secret:
`python -m service_kit.auth new-key --agency gp-north` prints a new key once, and the entry to add.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from referral_contracts import utc_now

_HASHER = PasswordHasher()
REMEMBERED_AT_MOST = 10_000  # verified keys kept per process: a flood of keys cannot grow it forever


class Role(StrEnum):
    AGENCY = "agency"  # sends referrals, acts on those it sent or is accountable for
    TRIAGE_DESK = "triage_desk"  # acts on triage: holds unassigned referrals, changes any capacity
    OVERSIGHT = "oversight"  # reads across the partnership; acts on nothing


class KeyEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key_id: str = Field(pattern=r"^[a-z0-9]{8,32}$")
    agency_id: str = Field(min_length=1, max_length=64)
    roles: frozenset[Role] = frozenset({Role.AGENCY})
    hash: str = Field(description="argon2id hash of the whole key")
    expires_at: AwareDatetime | None = None


class KeysFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keys: list[KeyEntry] = Field(default_factory=list)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: the agency a key was issued to, and what it may do."""

    agency_id: str
    roles: frozenset[Role]
    key_id: str

    def has(self, role: Role) -> bool:
        return role in self.roles

    @classmethod
    def agency(cls, agency_id: str) -> Principal:
        """An agency known by other means than a key: its own login, on its own Kafka topic."""
        return cls(agency_id=agency_id, roles=frozenset({Role.AGENCY}), key_id="")


class Unauthenticated(Exception):
    """No usable credential. The message says what to send, never what was wrong with a key."""


class KeyRegistry:
    def __init__(self, entries: list[KeyEntry]) -> None:
        self._entries = {entry.key_id: entry for entry in entries}
        self._verified: dict[bytes, Principal] = {}

    @classmethod
    def load(cls, path: str | Path | None) -> KeyRegistry:
        """The keys in `path`; none (every request refused) when no path is configured."""
        if not path:
            return cls([])
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        return cls(KeysFile.model_validate(document).keys)

    def remembered(self, key: str, now: datetime | None = None) -> Principal | None:
        """The caller, if this key was verified before and has not expired since (no argon2);
        None if it must be verified. Raises Unauthenticated for an unknown or expired key."""
        now = now or utc_now()
        entry = self._entries.get(_key_id(key) or "")
        digest = hashlib.sha256(key.encode()).digest()
        if entry is None or (entry.expires_at is not None and entry.expires_at <= now):
            self._verified.pop(digest, None)
            raise Unauthenticated("invalid or expired credential")
        return self._verified.get(digest)

    def authenticate(self, key: str, now: datetime | None = None) -> Principal:
        """The caller, from memory or by verifying the key with argon2 (then remembered)."""
        if (principal := self.remembered(key, now)) is not None:
            return principal
        entry = self._entries[_key_id(key) or ""]
        try:
            _HASHER.verify(entry.hash, key)
        except (VerificationError, InvalidHashError):
            raise Unauthenticated("invalid or expired credential") from None
        principal = Principal(agency_id=entry.agency_id, roles=entry.roles, key_id=entry.key_id)
        if len(self._verified) >= REMEMBERED_AT_MOST:
            self._verified.clear()
        self._verified[hashlib.sha256(key.encode()).digest()] = principal
        return principal

    async def verified(self, key: str) -> Principal:
        """`authenticate` for a request handler: from memory at once, or verified in a worker
        thread (argon2 releases the interpreter's lock), so the event loop goes on serving."""
        if (principal := self.remembered(key)) is not None:
            return principal
        return await asyncio.to_thread(self.authenticate, key)


def principal_from(registry: KeyRegistry):
    """A FastAPI dependency: the caller's Principal from `Authorization: Bearer <key>`, or 401."""
    bearer = HTTPBearer(auto_error=False, description="An API key issued to your agency.")

    async def authenticated(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing credential: send Authorization: Bearer <API key>",
                                headers={"WWW-Authenticate": "Bearer"})
        try:
            return await registry.verified(credentials.credentials)
        except Unauthenticated as refused:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(refused),
                                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None

    return authenticated


def forbidden(why: str) -> HTTPException:
    """403 naming the rule broken (agency ids only, never data)."""
    return HTTPException(status.HTTP_403_FORBIDDEN, why)


def enforce(refusal: str | None) -> None:
    """Nothing when a rule allows (it answered None); otherwise the 403 naming the rule it broke."""
    if refusal is not None:
        raise forbidden(refusal)


def requiring(rule: Callable[[Principal], str | None], authenticated: Callable) -> Callable:
    """A FastAPI dependency: the caller, if `rule` (of the caller alone) allows it; 403 otherwise."""

    async def allowed(caller: Principal = Depends(authenticated)) -> Principal:
        enforce(rule(caller))
        return caller

    return allowed


def _key_id(key: str) -> str | None:
    parts = key.split("_")
    return parts[1] if len(parts) == 3 and parts[0] == "rk" else None


def new_key(agency_id: str, roles: frozenset[Role] = frozenset({Role.AGENCY}),
            expires_at: datetime | None = None) -> tuple[str, KeyEntry]:
    """A new key (shown once, to hand to the agency) and the entry the platform stores."""
    key_id = secrets.token_hex(6)
    key = f"rk_{key_id}_{secrets.token_urlsafe(32).replace('_', '-')}"
    return key, KeyEntry(key_id=key_id, agency_id=agency_id, roles=roles, hash=_HASHER.hash(key),
                         expires_at=expires_at)


def write_keys_file(path: Path, entries: list[KeyEntry]) -> None:
    document = {"keys": [e.model_dump(mode="json") | {"roles": sorted(r.value for r in e.roles)} for e in entries]}
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Issue an API key for an agency.")
    sub = parser.add_subparsers(dest="command", required=True)
    issue = sub.add_parser("new-key", help="print a new key once, and the entry for the keys file")
    issue.add_argument("--agency", required=True)
    issue.add_argument("--role", action="append", choices=[r.value for r in Role], default=None)
    issue.add_argument("--expires", type=datetime.fromisoformat, default=None, help="ISO 8601 with a time zone")
    args = parser.parse_args(argv)
    key, entry = new_key(args.agency, frozenset(Role(r) for r in (args.role or ["agency"])), args.expires)
    print(f"key (give it to {args.agency}; it is not stored anywhere): {key}", file=sys.stderr)
    print(yaml.safe_dump([entry.model_dump(mode="json") | {"roles": sorted(r.value for r in entry.roles)}]))


if __name__ == "__main__":
    main()
