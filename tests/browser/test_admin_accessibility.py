"""U5 accessibility of the admin in a real browser: the pages content managers and
supervisors work in, audited with axe-core (tests/browser/axe.py) as the console is.

Signed in as the demo content manager (standard responses, message templates) or the
demo supervisor (the rest): the admin's index; the changelist, add form and edit form of
standard responses, message templates, agent profiles, users, queues, skills, agent
groups, entry flows and their steps, waiting notices and surveys, webhook subscriptions
and bots; forms shown again with validation errors; the template editor with buttons,
list sections, parameter labels and its live preview, with a mistake shown; the admin in
German, in the dark theme and with forced colours (Windows' high contrast). No violation
of impact "serious" or "critical". Then the template editor by keyboard alone: add a
button, type its text, remove it, each control showing where the focus is.

What Django's own admin markup gets wrong and we cannot reasonably change is listed in
``DJANGOS_OWN``: that rule only, for those elements only, each with why.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.axe import audit, axe_source, report
from tests.browser.conftest import DEMO_PASSWORD, expect, skip_without_chromium
from tests.stack import Stack, running_stack

skip_without_chromium()
pytestmark = pytest.mark.browser

#: Django's admin markup that fails a rule, by rule: the elements (a CSS selector) and why
#: it stays. Only these elements are spared, and only for that rule.
DJANGOS_OWN: dict[str, tuple[str, str]] = {
    # None today: what Django's markup got wrong, admin-a11y.js mends (see
    # test_djangos_unlabelled_controls_are_named_by_what_the_page_shows).
}


@pytest.fixture(autouse=True)
def _axe() -> None:
    """Find (or install) axe-core before a stack starts: skip or fail at once without it."""
    axe_source()


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack() as running:
        # What the demo has none of (made with the project's factories where there is one):
        # a webhook subscription, a queue's waiting notices, an agent signed out (a date
        # and time shown in the split date/time boxes).
        running.shell(
            "from django.utils import timezone\n"
            "from integrations.models import Subscription\n"
            "from surveys.models import QueueCare\n"
            "from tests.factories import AgentProfileFactory, QueueFactory, UserFactory\n"
            "Subscription.objects.create(name='CRM', url='https://crm.example.com/hook', "
            "secret='s3cret-for-tests', event_types=['interaction.created'])\n"
            "QueueCare.objects.create(queue=QueueFactory(name='Returns'), waiting_notices=True)\n"
            "AgentProfileFactory(user=UserFactory(username='aaron', first_name='Aaron'), "
            "signed_out_at=timezone.now())\n"
            "print('null')"
        )
        yield running


def admin_page(
    browser: Browser,
    stack: Stack,
    user: str,
    *,
    locale: str | None = None,
    color_scheme: Literal["dark", "light"] | None = None,
    forced_colors: Literal["active", "none"] | None = None,
) -> Page:
    """The admin's index, signed in as ``user`` in a browser of that language and theme."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        # axe's script is injected into the pages: the product's CSP would (rightly) refuse it.
        bypass_csp=True,
        locale=locale,
        color_scheme=color_scheme,
        forced_colors=forced_colors,
    )
    page = context.new_page()
    page.goto(f"{stack.url}/admin/login/?next=/admin/")
    page.fill("#id_username", user)
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#user-tools")).to_be_visible()
    return page


def assert_admin_accessible(page: Page, where: str, *, disable: tuple[str, ...] = ()) -> None:
    """No serious or critical axe violation, but for Django's own listed in DJANGOS_OWN."""
    left = []
    for violation in audit(page, disable=disable):
        spared = DJANGOS_OWN.get(violation["id"])
        if spared:
            violation["nodes"] = [
                node
                for node in violation["nodes"]
                if not page.evaluate(
                    "([target, spared]) => !!document.querySelector(target)?.matches(spared)",
                    [node["target"], spared[0]],
                )
            ]
        if violation["nodes"]:
            left.append(violation)
    assert not left, f"axe-core: serious or critical violations on {where}:\n{report(left)}"


@pytest.fixture(scope="module")
def content_manager(browser, stack) -> Iterator[Page]:
    page = admin_page(browser, stack, "content")
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def supervisor(browser, stack) -> Iterator[Page]:
    page = admin_page(browser, stack, "supervisor")
    yield page
    page.context.close()


def test_the_admin_sign_in_and_index_are_accessible(browser, stack, content_manager, supervisor):
    page = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True).new_page()
    page.goto(f"{stack.url}/admin/login/")
    assert_admin_accessible(page, "the admin's sign-in page")
    page.fill("#id_username", "content")
    page.fill("#id_password", DEMO_PASSWORD + "-wrong")
    page.locator("input[type=submit]").click()
    expect(page.locator(".errornote")).to_be_visible()
    assert_admin_accessible(page, "the admin's sign-in page with an error")
    page.context.close()

    for user, page in (("content manager", content_manager), ("supervisor", supervisor)):
        page.goto(f"{stack.url}/admin/")
        expect(page.locator("#content-main")).to_be_visible()
        assert_admin_accessible(page, f"the admin's index ({user})")


#: The models audited: (the user who works on them, their admin path[, the changelist's
#: search whose first row's change form is audited]).
MODELS = [
    ("content", "templates_app/standardresponsecategory"),
    ("content", "templates_app/standardresponse"),
    ("content", "templates_app/messagetemplate"),
    ("supervisor", "conversations/agentprofile?q=aaron"),
    ("supervisor", "auth/user?q=aaron"),
    ("supervisor", "conversations/queue"),
    ("supervisor", "conversations/skill"),
    ("supervisor", "conversations/agentgroup"),
    ("supervisor", "flows/flow"),
    ("supervisor", "flows/flowstep"),
    ("supervisor", "surveys/queuecare"),
    ("supervisor", "integrations/subscription"),
    ("supervisor", "integrations/bot"),
]


@pytest.mark.parametrize(("user", "listed"), MODELS, ids=[listed for _, listed in MODELS])
def test_the_changelist_and_the_forms_are_accessible(stack, content_manager, supervisor, user, listed):
    page = content_manager if user == "content" else supervisor
    model, _, search = listed.partition("?")
    page.goto(f"{stack.url}/admin/{model}/{'?' if search else ''}{search}")
    expect(page.locator("#changelist")).to_be_visible()
    assert_admin_accessible(page, f"the {model} changelist")
    first = page.locator("#result_list tbody tr th a").first
    if first.count():
        first.click()
        expect(page.locator("#content-main form")).to_be_visible()
        assert_admin_accessible(page, f"a {model} change form")
    page.goto(f"{stack.url}/admin/{model}/add/")
    expect(page.locator("#content-main form")).to_be_visible()
    assert_admin_accessible(page, f"the {model} add form")


def test_djangos_unlabelled_controls_are_named_by_what_the_page_shows(stack, supervisor):
    """admin-a11y.js: a tabular inline's boxes by their column's header (rows added with
    "Add another" too), a split date and time by the field's label and "Date:"/"Time:",
    the two-list widget's filter box by its magnifier's words."""
    page = supervisor
    page.goto(f"{stack.url}/admin/flows/flow/")
    page.locator("#result_list tbody tr th a").first.click()
    expect(page.locator("#id_steps-0-name")).to_have_accessible_name("Name")
    expect(page.locator("#id_steps-0-kind")).to_have_accessible_name("Kind")
    expect(page.locator("#id_steps-0-DELETE")).to_have_accessible_name("Delete?")
    page.locator("#steps-group .add-row a").click()
    added = page.locator("#steps-group tr.form-row.dynamic-steps").last
    expect(added.locator("input[name$=-name]")).to_have_accessible_name("Name")

    page.goto(f"{stack.url}/admin/auth/user/")
    page.locator("#result_list tbody tr th a").first.click()
    expect(page.locator("#id_date_joined_0")).to_have_accessible_name("Date joined Date")
    expect(page.locator("#id_date_joined_1")).to_have_accessible_name("Date joined Time")

    # The two-list widget's filter boxes: named by their magnifier, now an image.
    page.goto(f"{stack.url}/admin/conversations/queue/add/")
    expect(page.locator("#id_skills_input")).to_have_accessible_name(
        "Type into this box to filter down the list of available skills."
    )


def submit_refused(page: Page, where: str, *, button: str = "_save") -> None:
    """Submit the admin form on the page with ``button``; it comes back with its errors,
    and the page is accessible so."""
    page.locator(f"input[name={button}]").click()
    expect(page.locator(".errornote")).to_be_visible()
    assert_admin_accessible(page, where)


def test_forms_shown_with_their_errors_are_accessible(stack, content_manager, supervisor):
    content_manager.goto(f"{stack.url}/admin/templates_app/standardresponse/add/")
    submit_refused(content_manager, "a standard response with errors")

    content_manager.goto(f"{stack.url}/admin/templates_app/messagetemplate/add/")
    content_manager.select_option("#id_kind", "notification")
    content_manager.fill("#id_name", "Not A Valid Name!")
    content_manager.fill("#id_body", "Hello {{2}}")
    submit_refused(content_manager, "a message template with errors", button="_continue")

    supervisor.goto(f"{stack.url}/admin/integrations/subscription/add/")
    supervisor.fill("#id_name", "Loopback")
    supervisor.fill("#id_url", "http://127.0.0.1/hook")
    submit_refused(supervisor, "a webhook subscription with errors")

    supervisor.goto(f"{stack.url}/admin/flows/flow/add/")
    submit_refused(supervisor, "an entry flow with errors")


def fill_the_template_editor(page: Page) -> None:
    """Reply buttons (one too long: its error shown), parameter labels, then a list."""
    page.select_option("#id_kind", "reply_buttons")
    page.fill("#id_name", "did_we_help")
    page.fill("#id_body", "Hi {{1}}, did we solve order {{2}}?")
    buttons = page.locator('[data-editor="buttons"]')
    buttons.get_by_role("button", name=ADD_A_BUTTON[page_language(page)]).click()
    buttons.get_by_role("button", name=ADD_A_BUTTON[page_language(page)]).click()
    first = buttons.locator('[data-item="button"]').nth(0)
    first.locator("input[data-field=text]").fill("Yes, all solved, thank you")
    expect(first.locator("input[data-field=text]")).to_have_attribute("aria-invalid", "true")
    buttons.locator('[data-item="button"]').nth(1).locator("input[data-field=text]").fill("Not yet")
    page.locator('[data-editor="parameter_labels"] input').nth(1).fill("Order number")
    expect(page.locator("#template-preview .tp-button")).to_have_count(2)


ADD_A_BUTTON = {"en": "Add a button", "de": "Schaltfläche hinzufügen"}


def page_language(page: Page) -> str:
    return page.locator("html").get_attribute("lang") or "en"


def test_the_template_editor_and_its_live_preview_are_accessible(stack, content_manager):
    page = content_manager
    page.goto(f"{stack.url}/admin/templates_app/messagetemplate/add/")
    fill_the_template_editor(page)
    assert_admin_accessible(page, "the template editor with reply buttons, a mistake and labels")

    page.select_option("#id_kind", "list")
    page.fill("#id_list_button", "Choose")
    sections = page.locator('[data-editor="sections"]')
    sections.get_by_role("button", name="Add a section").click()
    section = sections.locator("[data-section='1']")
    section.get_by_label("Section title").fill("Delivery")
    section.locator('[data-item="row"]').nth(0).get_by_label("Option title").fill("At the door")
    section.get_by_role("button", name="Add an option to section 1").click()
    section.locator('[data-item="row"]').nth(1).get_by_label("Option title").fill("To a neighbour")
    expect(page.locator("#template-preview .tp-row-title")).to_have_count(2)
    assert_admin_accessible(page, "the template editor with a list, its sections and the preview")

    # "Edit as JSON": the raw field shown, with its note when it does not parse.
    page.locator('[data-editor="sections"] ~ .te-toggle').click()
    page.fill("#id_sections", "[{")
    page.get_by_role("button", name="Back to the form").click()
    expect(page.locator('.te-wrap:has([data-editor="sections"]) .te-note')).not_to_be_empty()
    assert_admin_accessible(page, "the template editor's JSON view with its note")


def test_the_admin_in_german_is_accessible(browser, stack):
    page = admin_page(browser, stack, "content", locale="de-DE")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    assert_admin_accessible(page, "the admin's index in German")
    page.goto(f"{stack.url}/admin/templates_app/standardresponse/")
    assert_admin_accessible(page, "the standard responses in German")
    page.goto(f"{stack.url}/admin/templates_app/messagetemplate/add/")
    fill_the_template_editor(page)
    assert_admin_accessible(page, "the template editor in German")
    page.context.close()


#: Django's dark theme (the admin's own toggle, or the system's preference), and forced
#: colours: there the browser paints every text and background from the person's own
#: palette, so axe's contrast measure (which reads the page's colours) means nothing and
#: is left out; every other rule runs.
THEMES: dict[str, tuple[Literal["dark"] | None, Literal["active"] | None, tuple[str, ...]]] = {
    "dark": ("dark", None, ()),
    "forced-colors": (None, "active", ("color-contrast",)),
}


@pytest.mark.parametrize("theme", THEMES)
def test_the_admin_in_the_dark_theme_and_forced_colours_is_accessible(browser, stack, theme):
    color_scheme, forced_colors, disable = THEMES[theme]
    page = admin_page(browser, stack, "content", color_scheme=color_scheme, forced_colors=forced_colors)
    assert_admin_accessible(page, f"the admin's index ({theme})", disable=disable)
    page.goto(f"{stack.url}/admin/templates_app/standardresponse/")
    assert_admin_accessible(page, f"the standard responses ({theme})", disable=disable)
    page.goto(f"{stack.url}/admin/templates_app/messagetemplate/add/")
    fill_the_template_editor(page)
    assert_admin_accessible(page, f"the template editor ({theme})", disable=disable)
    page.context.close()


# --- keyboard only -------------------------------------------------------------------------


FOCUS_SHOWN = """(element) => {
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
    const ring = style.boxShadow && style.boxShadow !== "none";
    return element.matches(":focus-visible") && (outline || ring);
}"""


def tab_to(page: Page, matches: str, *, limit: int = 80, backwards: bool = False) -> None:
    """Press Tab until the focused element matches the CSS selector; assert the focus shows."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", matches):
            assert page.locator("*:focus").evaluate(FOCUS_SHOWN), f"no visible focus on {matches}"
            return
    raise AssertionError(f"{limit} × {key} never reached {matches}")


def test_the_template_editor_by_keyboard_alone(stack, content_manager):
    page = content_manager
    page.goto(f"{stack.url}/admin/templates_app/messagetemplate/add/")
    preview = page.locator("#template-preview")
    buttons = page.locator('[data-editor="buttons"]')
    add = buttons.get_by_role("button", name="Add a button")

    # The kind, then the body, typed; then Tab on to the buttons' "Add a button".
    page.locator("#id_kind").focus()
    page.keyboard.press("Tab")  # the name
    page.keyboard.type("keyboard_only")
    tab_to(page, "#id_body")
    page.keyboard.type("Your order is ready.")
    tab_to(page, '[data-editor="buttons"] > button.te-button')
    expect(add).to_be_focused()
    page.keyboard.press("Enter")

    # The new button's text box has the focus: its text typed, the preview follows.
    text = buttons.locator('[data-item="button"]').nth(0).locator("input[data-field=text]")
    expect(text).to_be_focused()
    page.keyboard.type("Collect it")
    expect(preview.locator(".tp-button")).to_have_text(["↩ Collect it"])
    assert '"text": "Collect it"' in page.locator("#id_buttons").input_value()

    # Tab on to its Remove button; Space removes it and the focus stays in the editor.
    tab_to(page, '[data-item="button"] button.te-remove')
    expect(page.locator("*:focus")).to_have_text("Remove button 1")
    page.keyboard.press("Space")
    expect(buttons.locator('[data-item="button"]')).to_have_count(0)
    expect(preview.locator(".tp-button")).to_have_count(0)
    expect(add).to_be_focused()
    assert page.locator("*:focus").evaluate(FOCUS_SHOWN)
    assert page.locator("#id_buttons").input_value() == "[]"

    # "Edit as JSON", reached by Tab, shows its focus too.
    tab_to(page, '[data-editor="buttons"] ~ .te-toggle')
