"""The resource directory read from Open Referral HSDS 3.0 as published: a folder of its CSV tables
or a file of its JSON, with an optional extension file for what HSDS has no place for
(`extension.py`). Every problem is found in one run and named by file, row and column (or JSON
path): errors stop the directory being used (`DirectoryProblems`), warnings are said with it.
"""

from __future__ import annotations

from pathlib import Path

from ..directory import Directory
from .extension import EXTENSION_FILE, Extension, default_extension, load_extension
from .json_tables import read_json
from .mapping import to_directory
from .problems import DirectoryProblems, Problem, Problems, Severity
from .tables import read_folder

__all__ = ["EXTENSION_FILE", "DirectoryProblems", "Extension", "Problem", "Severity", "load_hsds_directory",
           "read_directory"]


def read_directory(path: str | Path, extension: str | Path | None = None) -> tuple[Directory, list[Problem]]:
    """The directory at `path` and its warnings; raises DirectoryProblems naming every problem when
    it cannot be used. `extension`: the extension file (default: `referral-extension.yaml` beside it)."""
    path = Path(path)
    problems = Problems()
    if path.is_dir():
        tables = read_folder(path, problems)
    elif path.is_file():
        tables = read_json(path, problems)
    else:
        raise FileNotFoundError(f"no HSDS directory at {path}")
    extension_path = Path(extension) if extension else default_extension(path)
    directory = to_directory(tables, load_extension(extension_path, problems), problems, path.name)
    if directory is None or problems.errors:
        raise DirectoryProblems(str(path), problems.found)
    return directory, problems.warnings


def load_hsds_directory(path: str | Path, extension: str | Path | None = None) -> Directory:
    return read_directory(path, extension)[0]
