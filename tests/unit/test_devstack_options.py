"""`devstack`'s options: each has help text, and each documented environment variable is honoured
(the default of its option) or refused with a message naming it, never silently ignored."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from devstack import cli, environment
from devstack.paths import demo_file


def every_action(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from ((f"{name} {a}", h) for a, h in every_action(sub))
            for choice in action._choices_actions:
                yield choice.dest, choice.help
        elif not isinstance(action, argparse._HelpAction):
            yield "/".join(action.option_strings) or action.dest, action.help


def test_every_command_and_option_has_help_text() -> None:
    actions = list(every_action(cli.parser({})))
    assert len(actions) > 12
    assert [name for name, text in actions if not text] == []


def test_the_documented_variables_are_the_defaults_of_their_options(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    environ = {"POLICY_PATH": str(policy), "DIRECTORY_PATH": str(tmp_path / "hsds"), "LOG_LEVEL": "DEBUG",
               "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:19092", "MONGODB_URL": "mongodb://127.0.0.1:1/"}
    args = cli.parser(environ).parse_args(["run"])
    assert (args.policy, args.directory, args.log_level) == (policy, tmp_path / "hsds", "DEBUG")
    assert (args.kafka_bootstrap_servers, args.mongodb_url) == ("127.0.0.1:19092", "mongodb://127.0.0.1:1/")
    plain = cli.parser({}).parse_args(["run"])
    assert (plain.policy, plain.kafka_bootstrap_servers) == (demo_file("policy.yaml"), None)


def test_an_option_given_wins_and_says_which_variable_it_overrode() -> None:
    environ = {"POLICY_PATH": "/elsewhere/policy.yaml"}
    argv = ["run", "--policy", str(demo_file("policy.yaml"))]
    args = cli.parser(environ).parse_args(argv)
    assert args.policy == demo_file("policy.yaml")
    [note] = environment.notes_on_overrides(args, environment.given_options(argv), environ)
    assert "POLICY_PATH=/elsewhere/policy.yaml" in note and "--policy" in note


def test_a_policy_path_that_is_not_usable_stops_the_run_naming_it(tmp_path: Path, capsys) -> None:
    broken = tmp_path / "policy.yaml"
    broken.write_text("triage_desk_agency_id: triage-desk\nnot_a_key: 1\n", encoding="utf-8")
    assert cli.main(["run"], environ={"POLICY_PATH": str(broken)}) == 2
    err = capsys.readouterr().err
    assert str(broken) in err and "not_a_key" in err and "Traceback" not in err


@pytest.mark.parametrize("variable", sorted(environment.SET_BY_DEVSTACK))
def test_what_devstack_sets_itself_is_refused_with_a_message(variable: str, capsys) -> None:
    assert cli.main(["run", "--no-demo-activity"], environ={variable: "x"}) == 2
    err = capsys.readouterr().err
    assert f"{variable} is set" in err and "unset it" in err


def test_fetch_names_what_it_does_not_know(capsys) -> None:
    assert cli.main(["fetch", "docker"], environ={}) == 2
    assert "docker: not one of kafka, fhir-validator" in capsys.readouterr().err
