"""The HAPI FHIR validator, for the tests that hold the platform's FHIR to FHIR R4: HAPI FHIR's
instance validator and the R4 core definitions, resolved off Maven Central into
<repo>/.cache/fhir-validator/<version>/libs (deploy/local/fhir-validator/pom.xml), run with `java`
on deploy/local/fhir-validator/Validate.java, a whole directory of resources in one JVM.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .maven import resolved_jars
from .paths import default_cache_root, repo_root

HAPI_FHIR_VERSION = "8.6.1"


def _home() -> Path:
    return repo_root() / "deploy" / "local" / "fhir-validator"


def ensure_validator_jars(cache_root: Path | None = None) -> Path:
    """The directory of the validator's jars, resolving them with Maven the first time."""
    return resolved_jars((cache_root or default_cache_root()) / "fhir-validator" / HAPI_FHIR_VERSION,
                         _home() / "pom.xml", {"hapi.version": HAPI_FHIR_VERSION}, f"HAPI FHIR {HAPI_FHIR_VERSION}")


@dataclass(frozen=True)
class Issue:
    file: str
    severity: str  # fatal | error | warning | information
    location: str
    message: str


def validate(directory: Path, definitions: Path | None = None, timeout: float = 300) -> tuple[int, list[Issue]]:
    """Validate every *.json resource in `directory` (with the conformance resources in
    `definitions` known too): how many files were validated, and every issue the validator found."""
    libs = ensure_validator_jars()
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("java is needed to run the HAPI FHIR validator")
    command = [java, "-cp", f"{libs}/*", str(_home() / "Validate.java")]
    command += ["--definitions", str(definitions)] if definitions else []
    result = subprocess.run([*command, str(directory)], capture_output=True, text=True, timeout=timeout)
    lines = result.stdout.splitlines()
    if result.returncode != 0 or not lines or not lines[-1].startswith("done\t"):
        raise RuntimeError(f"the HAPI FHIR validator did not finish:\n{result.stdout}{result.stderr}")
    issues = [Issue(*line.split("\t", 3)) for line in lines[:-1]]
    return int(lines[-1].split("\t")[1]), issues
