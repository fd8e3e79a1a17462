"""Jars resolved off Maven Central the first time they are needed (Kafka's, the HAPI FHIR
validator's), each set by a small pom under deploy/local. Maven writes into a directory renamed
into place and a marker is written last, so an interrupted download is redone instead of half-used."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

COMPLETE_MARKER = "COMPLETE"


def resolved_jars(version_dir: Path, pom: Path, properties: dict[str, str], what: str) -> Path:
    """The directory of the runtime jars `pom` names (with `properties` set), under `version_dir`;
    `what` names them in errors and in the marker (e.g. "Kafka 4.3.1")."""
    libs = version_dir / "libs"
    if (version_dir / COMPLETE_MARKER).is_file() and libs.is_dir():
        return libs
    mvn = shutil.which("mvn")
    if mvn is None:
        raise RuntimeError(f"Maven (mvn) is needed once to download {what}; install it first")
    staging = version_dir / "libs.partial"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(libs, ignore_errors=True)
    command = [mvn, "-q", "-B", "-Dstyle.color=never", "-f", str(pom),
               *(f"-D{name}={value}" for name, value in properties.items()),
               "dependency:copy-dependencies", "-DincludeScope=runtime", f"-DoutputDirectory={staging}"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"mvn could not resolve {what}:\n{result.stdout}{result.stderr}")
    staging.rename(libs)
    (version_dir / COMPLETE_MARKER).write_text(f"{what}\n")
    return libs
