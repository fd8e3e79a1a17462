"""The README's dashboard screenshot, of the running `make run` (its demo activity loaded):
`.venv/bin/python tools/dashboard/screenshot.py docs/dashboard.png`. It finds the running stack
(devstack.control) and its oversight key, opens the dashboard in Debian's Chromium and keeps the page."""

from __future__ import annotations

import sys
from pathlib import Path

from devstack.control import running_stack
from devstack.keys import OVERSIGHT, env_name
from devstack.paths import repo_root
from playwright.sync_api import sync_playwright

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def main(target: Path) -> None:
    run_dir, state = running_stack(repo_root() / ".run")
    keys = dict(line.removeprefix("export ").split("=", 1)
                for line in (run_dir / "keys" / "api-keys.env").read_text().splitlines())
    url = f"{state['parts']['oversight']['url']}/v1/oversight/dashboard#key={keys[env_name(OVERSIGHT)]}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url)
        page.wait_for_selector("#status:text-matches('^As of')", timeout=60_000)
        page.screenshot(path=str(target), full_page=True)
        browser.close()
    print(f"{target}: the dashboard of {run_dir}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/dashboard.png"))
