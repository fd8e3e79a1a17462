"""What `devstack run` prints once the stack is up: where everything is, and commands that work as
pasted (the demo referral's id filled in, keys read from the run's keys file), with the demo's
moved clock said before anyone meets its dates."""

from __future__ import annotations

from pathlib import Path

from referral_contracts.directory import Directory

from .kafka_access import password_variable
from .keys import OVERSIGHT, env_name
from .paths import repo_root
from .stack import LocalStack
from .walkthrough import Walkthrough, walkthrough

DEMO_DAYS_AHEAD = 8  # the simulator moves the platform's clock this far (simulator.py)


def banner(stack: LocalStack, *, ready_after: float, since_make: float | None = None) -> str:
    urls = stack.service_urls
    walk = walkthrough(Directory.load(stack.directory_path, stack.directory_extension_path),
                       stack.run_dir / "walkthrough") if urls else None
    rows = []
    for name, url in urls.items():
        docs = f"   (API docs: {url}/docs)" if name in ("intake", "tracking", "oversight") else ""
        rows.append((f"{name} HTTP API", url + docs))
    rows += [
        ("Kafka bootstrap servers", stack.kafka_bootstrap_servers or ""),
        ("MongoDB URL", stack.mongodb_url or ""),
    ]
    if stack.smtp:
        rows += [
            ("SMTP sink", f"{stack.smtp.host}:{stack.smtp.port}"),
            ("Sent e-mail (.eml files)", str(shown(stack.smtp.maildir))),
        ]
    if stack.sms:
        rows += [("SMS provider (local sink)", stack.sms.url), ("Sent SMS (JSON lines)", str(shown(stack.sms.outbox)))]
    what = "referral platform" if urls else "infrastructure (no services)"
    took = f"ready in {ready_after:.1f} s" + (f" ({since_make:.1f} s after `make run` started)" if since_make else "")
    lines = ["", f"The local {what} is up, {took}.", ""]
    lines += [f"  {label:<26} {value}" for label, value in rows]
    lines += [
        "",
        "  To use it from another shell (tests, and `devstack run`, pick these up too):",
        f"    export KAFKA_BOOTSTRAP_SERVERS={stack.kafka_bootstrap_servers}",
        f"    export MONGODB_URL={stack.mongodb_url}",
    ]
    if stack.kafka_access and stack.kafka_access.env_path:
        lines += [
            "  Kafka asks who you are (SASL/SCRAM-SHA-512) and allows each principal only its topics (ACLs).",
            "  Logins issued for this run: sourcing these makes your shell the admin (KAFKA_SASL_*, as",
            "  referral-ops and the tests expect), with every service's and agency's password beside it:",
            f"    source {shown(stack.kafka_access.env_path)}",
        ]
    if stack.clock is not None:
        lines += _demo_clock_lines()
    if "intake" in urls and "tracking" in urls and stack.keys and walk is not None:
        lines += _walkthrough_lines(walk, urls, stack)
    elif "intake" in urls:
        lines += ["", "  No service of this directory can take a referral (active, with a type and capacity)."]
    if urls:
        lines += ["", "  A process that dies is started again (with a doubling wait); from another shell:",
                  "    .venv/bin/devstack status              # every process, its pid, restarts and /ready",
                  "    .venv/bin/devstack restart tracking    # stop one gracefully and start it again"]
    lines += ["", "Press Ctrl-C to stop everything.", ""]
    return "\n".join(lines)


def _demo_clock_lines() -> list[str]:
    return [
        "",
        "  Demo activity: two agencies send thirty referrals and the leads work most of them; then the",
        f"  platform's clock moves {DEMO_DAYS_AHEAD} days ahead of the wall clock (every service follows it),",
        "  so last week's untouched referrals are overdue. Dates you see from then on, your own",
        f"  referrals' included, are {DEMO_DAYS_AHEAD} days on. To run on the wall clock, empty:",
        "    make run RUN_ARGS=--no-demo-activity     (or: .venv/bin/devstack run --no-demo-activity)",
    ]


def _walkthrough_lines(walk: Walkthrough, urls: dict[str, str], stack: LocalStack) -> list[str]:
    """Commands that work as pasted: the referral's id is fixed by its sender and reference."""
    json = "-H 'content-type: application/json'"
    sender, lead = f"${env_name(walk.sender)}", f"${env_name(walk.lead)}"
    lines = [
        "",
        "  Each agency has an API key, issued for this run (never stored in the repository):",
        f"    source {shown(stack.keys.env_path)}",
        "",
        f"  Submit a referral as {walk.sender}, then read it back a moment later, once triage and tracking "
        f"have taken it (its id, {walk.referral_id}, is fixed by the sender's reference):",
        f"    curl -sS -X POST {urls['intake']}/v1/referrals {json} -H \"Authorization: Bearer {sender}\" "
        f"-d @{shown(walk.referral)}",
        f"    curl -sS -H \"Authorization: Bearer {sender}\" {urls['tracking']}/v1/referrals/{walk.referral_id}",
        "",
        f"  Close the loop as the lead agency ({walk.lead}), then read it again and look in the maildir:",
        f"    for m in {shown(walk.milestones)}/*.json; do curl -sS -X POST {json} "
        f"-H \"Authorization: Bearer {lead}\" {urls['tracking']}/v1/referrals/{walk.referral_id}/milestones "
        "-d @$m; echo; done",
    ]
    if "oversight" in urls:
        lines += ["", "  The dashboard, with the oversight key in its address (open what this prints):",
                  f"    echo \"{urls['oversight']}/v1/oversight/dashboard#key=${env_name(OVERSIGHT)}\""]
    if stack.kafka_access and stack.kafka_access.env_path:
        client = shown(repo_root() / "examples" / "agency_client" / "agency_client.py")
        lines += ["", "  Or as an agency's own system on Kafka, with its own login (docs/agency-integration.md):",
                  f"    KAFKA_SASL_USERNAME={walk.sender} KAFKA_SASL_PASSWORD=${password_variable(walk.sender)} "
                  f".venv/bin/python {client} send-referral {shown(walk.referral)}"]
    return lines


def shown(path: Path) -> Path:
    """`path` relative to the current directory when it is inside it (shorter to copy-paste)."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path
