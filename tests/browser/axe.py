"""axe-core in the browser tests (U5): find it, inject it, run it, report what it finds.

axe-core is a development dependency (package.json, pinned in package-lock.json): the
product never serves it and needs no Node.js at run time. The tests read
``node_modules/axe-core/axe.min.js`` and inject it into the page under test with
Playwright; the page's context is opened with ``bypass_csp=True`` because the product's
Content-Security-Policy (rightly) refuses an injected inline script.

``.ci/run`` runs ``npm ci`` in its install step, before ``make test``. Anywhere else (a
fresh clone, ``make test``, which needs only Python), when ``node_modules`` lacks axe-core
and npm is on the PATH, :func:`axe_source` runs ``npm ci`` itself, once per test session,
from the lock file. Without npm the tests skip, saying why, or fail under
``REQUIRE_BROWSER=1`` (as CI sets): CI must never pass with the audit silently skipped.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # Playwright is optional: the browser tests skip without it
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parent.parent.parent
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: What fails the audit: axe's two highest impacts ("moderate" and "minor" are reported only).
BLOCKING = ("serious", "critical")
#: WCAG 2.x A and AA, and axe's best practices (landmarks, a main heading, unique ids…).
RUN_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


@functools.cache
def _install() -> str:
    """``npm ci`` once per session when axe-core is missing; '' when done, or why not."""
    if AXE_JS.exists():
        return ""
    npm = shutil.which("npm")
    if npm is None:
        return f"{AXE_JS.relative_to(ROOT)} is missing and npm is not installed (run `npm ci`)"
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode or not AXE_JS.exists():
        return f"`npm ci` did not install axe-core ({done.returncode}): {done.stderr.strip()[-500:]}"
    return ""


def axe_source() -> Path:
    """The path of axe.min.js, installing it first if need be; skips (or fails) without it."""
    reason = _install()
    if reason:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason} (REQUIRE_BROWSER=1: the accessibility audit must run)", pytrace=False)
        pytest.skip(reason)
    return AXE_JS


def audit(page: Page, *, include: str | None = None, disable: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Run axe on the page (or on the ``include`` selector); its serious and critical violations."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(axe_source()))
    options: dict[str, Any] = dict(RUN_OPTIONS)
    if disable:
        options["rules"] = {rule: {"enabled": False} for rule in disable}
    violations: list[dict[str, Any]] = page.evaluate(
        """async ([include, options]) => {
            // Colours are measured as shown: let entrance animations (an offer sliding in) end.
            const finite = document.getAnimations().filter((a) => a.effect?.getComputedTiming().iterations !== Infinity);
            await Promise.all(finite.map((a) => a.finished.catch(() => null)));
            const results = await window.axe.run(include ? { include: [include] } : document, options);
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({ target: n.target.join(" "), html: n.html.slice(0, 200),
                                            summary: n.failureSummary || "" })),
            }));
        }""",
        [include, options],
    )
    return [violation for violation in violations if violation["impact"] in BLOCKING]


def report(violations: list[dict[str, Any]]) -> str:
    """The violations as a readable list: rule, impact, help, then each offending element."""
    lines: list[str] = []
    for violation in violations:
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"
        )
        for node in violation["nodes"][:40]:
            lines.append(f"    {node['target']}: {node['html']}")
            for line in node["summary"].splitlines():
                lines.append(f"        {line}")
        if len(violation["nodes"]) > 40:
            lines.append(f"    … and {len(violation['nodes']) - 40} more")
    return "\n".join(lines)


def assert_accessible(page: Page, where: str, **options: Any) -> None:
    """No serious or critical axe violation on the page; the message lists them when there are."""
    violations = audit(page, **options)
    assert not violations, f"axe-core: serious or critical violations on {where}:\n{report(violations)}"
