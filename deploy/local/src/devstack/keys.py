"""API keys for a local run, issued at start so the repository never holds one: a key per agency
of the directory (the triage desk's also acts for triage) and one for oversight. The services read
only the argon2 hashes (`api-keys.yaml`); the keys themselves go to `api-keys.env` (mode 600) for
the person running the stack, and to the tests in memory."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from referral_contracts.directory import Directory
from service_kit.auth import Role, new_key, write_keys_file

OVERSIGHT = "partnership-oversight"  # the oversight key's agency id: the partnership's board


@dataclass(frozen=True)
class LocalKeys:
    hashes_path: Path
    env_path: Path
    keys: dict[str, str]  # agency id -> key

    def headers(self, agency_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[agency_id]}"}


def env_name(agency_id: str) -> str:
    """The shell variable holding an agency's key (one starting with a digit, as an HSDS id may,
    gets a prefix: a variable name may not)."""
    name = agency_id.upper().replace("-", "_")
    return f"{'AGENCY_' if name[:1].isdigit() else ''}{name}_KEY"


def issue_local_keys(workdir: Path, directory_path: Path, triage_desk: str = "triage-desk") -> LocalKeys:
    workdir.mkdir(parents=True, exist_ok=True)
    roles = {agency.id: {Role.AGENCY} for agency in Directory.load(directory_path).agencies}
    roles.setdefault(triage_desk, {Role.AGENCY}).add(Role.TRIAGE_DESK)
    roles[OVERSIGHT] = {Role.OVERSIGHT}
    issued = {agency: new_key(agency, frozenset(r)) for agency, r in roles.items()}
    hashes_path, env_path = workdir / "api-keys.yaml", workdir / "api-keys.env"
    write_keys_file(hashes_path, [entry for _, entry in issued.values()])
    env_path.touch(mode=0o600)
    os.chmod(env_path, 0o600)
    env_path.write_text("".join(f"export {env_name(a)}={key}\n" for a, (key, _) in issued.items()), encoding="utf-8")
    return LocalKeys(hashes_path, env_path, {agency: key for agency, (key, _) in issued.items()})
