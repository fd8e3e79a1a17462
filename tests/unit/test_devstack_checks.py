"""`devstack run` checks the partnership's files before it starts anything: a directory whose
extension file lives elsewhere is read with it (--directory-extension), and a bad extension stops
the run with exit status 2 and its problems named, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

from devstack import cli
from devstack.paths import demo_file


def _directory_apart_from_its_extension(tmp_path: Path) -> tuple[Path, Path]:
    directory = tmp_path / "hsds"
    shutil.copytree(demo_file("hsds"), directory)
    extension = tmp_path / "elsewhere.yaml"
    (directory / "referral-extension.yaml").rename(extension)
    return directory, extension


def test_an_extension_kept_elsewhere_is_read_with_its_directory(tmp_path: Path, capsys) -> None:
    directory, extension = _directory_apart_from_its_extension(tmp_path)
    assert cli._usable(directory, extension, demo_file("policy.yaml"))
    assert "no service type" not in capsys.readouterr().err
    assert cli._usable(directory, None, demo_file("policy.yaml")), "without it: usable, with warnings"
    assert "no service type" in capsys.readouterr().err


def test_a_bad_extension_stops_the_run_before_anything_starts(tmp_path: Path, capsys) -> None:
    directory, extension = _directory_apart_from_its_extension(tmp_path)
    extension.write_text("services:\n  cmh-east-adult: {capacity: plenty}\nleads:\n  nobody: chief\n", encoding="utf-8")
    code = cli.main(["run", "--directory", str(directory), "--directory-extension", str(extension)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "plenty" in err or "capacity" in err
    assert "chief" in err or "nobody" in err


def test_the_cluster_checks_the_files_before_any_broker_starts(tmp_path: Path, capsys) -> None:
    directory, extension = _directory_apart_from_its_extension(tmp_path)
    extension.write_text("services:\n  cmh-east-adult: {capacity: plenty}\n", encoding="utf-8")
    code = cli.main(["cluster", "--directory", str(directory), "--directory-extension", str(extension)])
    assert code == 2 and "Traceback" not in capsys.readouterr().err
