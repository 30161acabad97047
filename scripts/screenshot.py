#!/usr/bin/env python
"""Screenshot signed-in pages with Playwright driving the system chromium.

Signs in through the site's own sign-in form (or takes a `sessionid` cookie), then saves one PNG
per page. Uses Debian's chromium (`apt-get install chromium`); never runs `playwright install`.

    .venv/bin/python scripts/screenshot.py --base-url http://127.0.0.1:8765 \\
        --username maldon-clerk --password protocol-demo-2026 \\
        --shot /=docs/screenshots/home-clerk.png --shot /councils/maldon/=council.png
"""

from __future__ import annotations

import argparse
import shutil
import sys
from urllib.parse import urljoin, urlparse

from playwright.sync_api import ConsoleMessage, Response, sync_playwright

DEFAULT_PASSWORD = "protocol-demo-2026"  # noqa: S105 - the contract's demo-only password


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--username", help="sign in through the form as this user")
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--cookie", help="a Django sessionid to use instead of signing in")
    parser.add_argument(
        "--shot", action="append", default=[], metavar="PATH=OUT.png", help="page to capture"
    )
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1400)
    parser.add_argument("--full-page", action="store_true")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args(argv)

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=args.chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
        )
        context = browser.new_context(viewport={"width": args.width, "height": args.height})
        page = context.new_page()

        # Say what went wrong in the browser: a broken asset or script shows up here first.
        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                print(f"console: {message.text}", file=sys.stderr)

        def on_response(response: Response) -> None:
            if response.status >= 400:
                print(f"{response.status} {response.url}", file=sys.stderr)

        page.on("console", on_console)
        page.on("response", on_response)
        if args.cookie:
            host = urlparse(args.base_url).hostname or "127.0.0.1"
            context.add_cookies(
                [{"name": "sessionid", "value": args.cookie, "domain": host, "path": "/"}]
            )
        elif args.username:
            page.goto(urljoin(args.base_url, "/sign-in/"))
            page.fill("#id_username", args.username)
            page.fill("#id_password", args.password)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            if "/sign-in/" in page.url:
                print(f"could not sign in as {args.username}", file=sys.stderr)
                return 1
        for shot in args.shot:
            path, _, out = shot.rpartition("=")
            response = page.goto(urljoin(args.base_url, path))
            page.wait_for_load_state("networkidle")
            page.screenshot(path=out, full_page=args.full_page)
            classes = page.evaluate("document.body.className")
            status = response.status if response else "?"
            print(f"{status} {path} -> {out} (body: {classes})")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
