"""X6 in a real browser: with the Content-Security-Policy on, the console, the phone, the
admin (its own JavaScript: actions, popups, the template preview) and the API docs run,
and the browser reports no violation of the policy."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DEMO_PASSWORD, expect, skip_without_chromium

skip_without_chromium()
pytestmark = pytest.mark.browser

#: Collects what the browser refuses; injected before any page script (not subject to the CSP).
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def supervisor_page(browser, stack, contexts):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(WATCH_VIOLATIONS)
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda message: errors.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{stack.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_be_visible()
    page.errors = errors
    return page


def violations(page) -> list[str]:
    return [*page.evaluate("window.__cspViolations"), *page.errors]


def test_the_admin_works_under_the_policy(stack, supervisor_page):
    page = supervisor_page
    # a change list: the actions' "select all" box is admin JavaScript
    page.goto(f"{stack.url}/admin/conversations/queue/")
    page.locator("#action-toggle").check()
    expect(page.locator("input.action-select").first).to_be_checked()
    expect(page.locator(".action-counter")).to_contain_text("selected")
    # a change form with related-object widgets: "add another" opens a popup window
    page.goto(f"{stack.url}/admin/conversations/agentprofile/add/")
    related = page.locator("a.related-widget-wrapper-link.add-related").first
    with page.expect_popup() as popup_info:
        related.click()
    popup = popup_info.value
    popup.wait_for_load_state()
    assert "_popup=1" in popup.url
    popup.close()
    # the message template form: its live preview is a script of ours
    page.goto(f"{stack.url}/admin/templates_app/messagetemplate/add/")
    page.fill("#id_body", "Hello {{1}}, your order is ready")
    expect(page.locator('#template-preview [data-part="body"]')).to_have_text(
        "Hello [Body value], your order is ready"
    )
    assert violations(page) == []


def test_the_api_docs_render_under_the_policy(stack, supervisor_page):
    page = supervisor_page
    page.goto(f"{stack.url}/api/docs/")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    assert violations(page) == []


def watched_page(browser, errors: list[str]):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(WATCH_VIOLATIONS)
    page = context.new_page()
    page.on(
        "console",
        lambda message: errors.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    return page


def test_the_console_and_the_phone_run_under_the_policy(browser, stack, contexts):
    console = watched_page(browser, [])
    console.goto(f"{stack.url}/accounts/login/?next=/console/")
    console.fill("#id_username", "alice")
    console.fill("#id_password", DEMO_PASSWORD)
    console.get_by_role("button", name="Sign in").click()
    expect(console.locator("body.console-ready")).to_be_attached()  # its modules ran
    expect(console.locator("#connection")).to_have_attribute("data-state", "open")  # its socket too
    phone = watched_page(browser, [])
    phone.goto(
        f"{stack.url}/sandbox/phone/?phone_number_id={stack.env['WHATSAPP_PHONE_NUMBER_ID']}&wa_id=4915199990001"
    )
    expect(phone.locator("#sbx-composer")).to_be_visible()
    assert violations(console) == [] and violations(phone) == []
