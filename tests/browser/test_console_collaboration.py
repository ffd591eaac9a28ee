"""Working together in a real browser, against the real product: transfers (R4),
conferences (R5), consultations (R6) and assigning a conversation to a known contact (R8).

One stack for the module; two agents (alice and bob) in two browser contexts, the
customer on the sandbox phone. ``teams`` adds what the demo seed lacks for a transfer to an
agent group: the interaction queue "Transfers" and the group "Escalations", with bob in both.
"""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest

from tests.browser.conftest import (
    Console,
    Customer,
    customer_says,
    expect,
    login,
    new_customer,
    skip_without_chromium,
)

skip_without_chromium()
pytestmark = pytest.mark.browser

TRANSFER_QUEUE_OPTION = "intercommunication.whatsappsession.queue"
#: The server reads options from a snapshot at most this old (conversations/options.py).
OPTIONS_SNAPSHOT_S = 2.1


@pytest.fixture(scope="module")
def teams(stack) -> dict[str, int]:
    return stack.shell(
        "import json\n"
        "from conversations.models import AgentGroup, AgentProfile, Queue\n"
        "queue = Queue.objects.get_or_create(name='Transfers')[0]\n"
        "group = AgentGroup.objects.get_or_create(name='Escalations')[0]\n"
        "bob = AgentProfile.objects.get(user__username='bob')\n"
        "bob.group = group\nbob.save(update_fields=['group'])\nbob.queues.add(queue)\n"
        "print(json.dumps({'queue': queue.pk, 'group': group.pk}))"
    )


def set_option(stack, key: str, value: Any) -> None:
    stack.shell(
        "from conversations.models import OptionValue\n"
        f"OptionValue.objects.update_or_create(key={key!r}, agent=None, agent_group=None,"
        f" defaults={{'value': {value!r}}})\nprint('null')"
    )
    time.sleep(OPTIONS_SNAPSHOT_S)


def conference_attribute(stack, *, present: bool) -> None:
    """R5 needs the business attribute InternalConferenceInvite (an interaction subtype)."""
    action = (
        "BusinessAttribute.objects.get_or_create(name='InternalConferenceInvite',"
        " defaults={'description': 'Interaction subtype: conference invitation'})"
        if present
        else "BusinessAttribute.objects.filter(name='InternalConferenceInvite').delete()"
    )
    stack.shell(f"from conversations.models import BusinessAttribute\n{action}\nprint('null')")


def set_ready(api, username: str, ready: bool) -> None:
    api[username].post("/api/v1/agent/me/state/", json={"ready": ready}).raise_for_status()


def accepted(stack, agent: Console, customer: Customer, text: str):
    """The agent goes Ready, the customer writes, the agent accepts: the tab's panel."""
    agent.go_ready()
    customer_says(stack, customer, text)
    expect(agent.offer(customer)).to_be_visible()
    return agent.accept(customer)


def business_messages(stack, customer: Customer) -> list[dict[str, Any]]:
    """What the customer's phone received from the business (the sandbox)."""
    history = httpx.get(
        f"{stack.url}/sandbox/phone/api/history",
        params={"phone_number_id": stack.env["WHATSAPP_PHONE_NUMBER_ID"], "wa_id": customer.wa_id},
        timeout=10,
    ).json()
    return [m for m in history["messages"] if m["direction"] == "business"]


def target_dialog(agent: Console, action: str, **name: Any):
    agent.tab.get_by_role("button", name=action, **name).click()
    dialog = agent.page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("status").first).not_to_have_text(re.compile("Loading|Searching"))
    return dialog


def participant(agent: Console, name: str):
    return agent.tab.locator(".participant", has=agent.page.locator(".participant-name", has_text=name))


# --- R4 ------------------------------------------------------------------------------------------


def test_transfer_to_an_agent_who_gets_the_offer_with_the_preview(stack, api, alice, bob, customer, phone):
    panel = accepted(stack, alice, customer, "I need to change my invoice address")
    alice.send("Let me pass you to our billing colleague.")

    # Transfer: the type of target, then the search; Bob is Not Ready: shown so, not choosable
    dialog = target_dialog(alice, "Transfer")
    expect(dialog.get_by_role("heading", name=f"Transfer {customer.shown_name}")).to_be_visible()
    kinds = dialog.get_by_role("group", name="Type of target")
    expect(kinds.get_by_role("radio")).to_have_count(4)
    expect(kinds.get_by_role("radio", name="Agent", exact=True)).to_be_checked()
    dialog.get_by_label("Search by name").fill("bo")
    bob_target = dialog.get_by_role("radio", name=re.compile("^Bob"))
    expect(bob_target).to_be_disabled()
    expect(dialog.locator(".target", has_text="Bob")).to_contain_text("Not available: Not Ready")
    submit = dialog.get_by_role("button", name="Transfer")
    expect(submit).to_be_disabled()

    # Bob goes Ready; the magnifying glass searches again: now he can take it
    set_ready(api, "bob", True)
    dialog.get_by_role("button", name="Search", exact=True).click()
    expect(bob_target).to_be_enabled()
    expect(dialog.locator(".target", has_text="Bob")).to_contain_text("Available · 0/3")
    bob_target.check()
    expect(submit).to_be_enabled()

    # He goes Not Ready before alice clicks: refused (409 target_unavailable), shown in the dialog
    set_ready(api, "bob", False)
    submit.click()
    problem = dialog.locator("#target-error")
    expect(problem).to_have_attribute("data-code", "target_unavailable")
    expect(problem).to_contain_text("Bob is not available (Not Ready or at capacity)")
    expect(bob_target).to_be_disabled()  # the list was refreshed
    expect(panel).to_be_visible()

    # Ready again: transferred; alice's tab closes; bob gets a normal offer with the preview
    bob.go_ready()
    dialog.get_by_role("button", name="Search", exact=True).click()
    bob_target.check()
    submit.click()
    expect(dialog).to_be_hidden()
    expect(panel).to_have_count(0)
    expect(alice.page.locator("#toast-text")).to_have_text(f"{customer.shown_name} was transferred to Bob.")
    expect(alice.page.locator("#agent-load")).to_have_text("0/3")
    offer = bob.offer(customer)
    expect(offer.locator(".offer-first")).to_have_text("I need to change my invoice address")
    expect(offer.locator(".offer-name")).to_have_text(customer.shown_name)
    tab = bob.accept(customer)
    # alice's message is hers: her name on it, in the colleague's colour
    earlier = tab.locator(".row--out", has_text="Let me pass you to our billing colleague.")
    expect(earlier.locator(".author")).to_have_text("Alice")
    expect(earlier.locator(".bubble")).to_have_class(re.compile("bubble--colleague"))
    bob.send("Hi, Bob from billing here.")
    expect(tab.locator(".row--out", has_text="Bob from billing").locator(".author")).to_have_count(0)
    expect(phone.locator(".sbx-row--in .sbx-text").last).to_have_text("Hi, Bob from billing here.")


def test_transfer_to_an_agent_group_needs_the_interaction_queue(stack, api, teams, alice, bob, customer):
    set_option(stack, TRANSFER_QUEUE_OPTION, "")  # the demo sets it: unset it here
    panel = accepted(stack, alice, customer, "Can someone senior look at my complaint?")
    bob.go_ready()

    dialog = target_dialog(alice, "Transfer")
    dialog.get_by_role("radio", name=re.compile("^Bob")).check()
    transfer = dialog.get_by_role("button", name="Transfer")
    expect(transfer).to_be_enabled()
    # another type of target: what was chosen under "Agent" is not what would be sent
    dialog.get_by_role("radio", name="Agent group").check()
    expect(dialog.get_by_role("group", name="Agent groups")).to_be_visible()
    expect(transfer).to_be_disabled()
    search = dialog.get_by_label("Search by name")
    search.fill("escal")
    search.press("Enter")  # Enter searches; it never submits the transfer
    group = dialog.get_by_role("radio", name="Escalations")
    expect(dialog.get_by_role("radio")).to_have_count(5)  # 4 types + 1 group
    group.check()

    # without the option naming the interaction queue: refused, the option named
    transfer.click()
    problem = dialog.locator("#target-error")
    expect(problem).to_have_attribute("data-code", "transfer_not_configured")
    expect(problem).to_contain_text(f"need the option {TRANSFER_QUEUE_OPTION}")
    expect(panel).to_be_visible()

    # configured: transferred through routing to the group (bob is its Ready member)
    set_option(stack, TRANSFER_QUEUE_OPTION, "Transfers")
    transfer.click()
    expect(dialog).to_be_hidden()
    expect(panel).to_have_count(0)
    expect(alice.page.locator("#toast-text")).to_have_text(
        f"{customer.shown_name} was transferred to Escalations."
    )
    offer = bob.offer(customer)
    expect(offer.locator(".offer-origin")).to_have_text(re.compile(r"^Transferred by Alice"))
    expect(offer.locator(".offer-first")).to_have_text("Can someone senior look at my complaint?")
    expect(offer.locator(".offer-queue")).to_have_text("Transfers")
    bob.accept(customer)


# --- R5 ------------------------------------------------------------------------------------------


def test_a_conference_both_agents_write_and_the_owner_leaves(stack, api, alice, bob, customer, phone):
    conference_attribute(stack, present=True)
    panel = accepted(stack, alice, customer, "My refund is missing")
    bob.go_ready()  # after the offer: the customer is alice's
    interaction_id = alice.interaction_id(panel)

    # alice invites bob by name (an agent group or a skill would be offered too: R5b below)
    dialog = target_dialog(alice, "Invite to conference")
    expect(dialog.get_by_role("radio", name="Agent", exact=True)).to_be_checked()
    dialog.get_by_role("radio", name=re.compile("^Bob")).check()
    dialog.get_by_role("button", name="Invite").click()
    expect(dialog).to_be_hidden()
    expect(participant(alice, "Bob")).to_contain_text("invited to the conference")

    # bob's invitation: who invites, which customer; Accept opens the conversation
    card = bob.page.get_by_role("article", name=customer.shown_name)
    expect(card.locator(".invitation-from")).to_contain_text("Alice invites you to join this conversation")
    expect(card).to_contain_text(f"+{customer.wa_id}")
    card.get_by_role("button", name=f"Accept the conference with {customer.shown_name}").click()
    expect(card).to_have_count(0)
    guest = bob.page.locator(f"#panel-{interaction_id}")
    expect(guest).to_be_visible()
    expect(guest.locator(".row--in .text")).to_have_text("My refund is missing")
    expect(bob.page.locator(f"#tab-{interaction_id} .chat-role")).to_have_text("Conference")

    # both see who is in it
    expect(participant(alice, "Bob")).to_contain_text("in the conference")
    expect(participant(alice, "You")).to_contain_text("owner")
    expect(participant(bob, "Alice")).to_contain_text("owner")
    expect(participant(bob, "You")).to_contain_text("in the conference")
    expect(guest.get_by_role("button", name="Leave conference")).to_be_visible()
    expect(guest.get_by_role("button", name="Done")).to_be_hidden()
    expect(guest.get_by_role("button", name="Transfer")).to_be_hidden()

    # both write; each sees the other's messages with their name; the phone gets both
    alice.send("I have asked my colleague Bob to join us.")
    bob.send("Hello, Bob here: I can see the refund.")
    from_bob = panel.locator(".row--out", has_text="Bob here")
    expect(from_bob.locator(".author")).to_have_text("Bob")
    expect(from_bob.locator(".bubble")).to_have_class(re.compile("bubble--colleague"))
    from_alice = guest.locator(".row--out", has_text="asked my colleague")
    expect(from_alice.locator(".author")).to_have_text("Alice")
    expect(phone.locator(".sbx-row--in .sbx-text")).to_have_text(
        ["I have asked my colleague Bob to join us.", "Hello, Bob here: I can see the refund."]
    )
    customer_says(stack, customer, "Great, thank you both")
    expect(alice.message("thank you both")).to_be_visible()
    expect(guest.locator(".row--in", has_text="thank you both")).to_be_visible()

    # alice (the owner) leaves: her tab closes, bob keeps the conversation and its actions
    leave = panel.get_by_role("button", name="Leave conference")
    expect(leave).to_have_attribute("title", re.compile("Bob keeps the conversation"))
    leave.click()
    expect(panel).to_have_count(0)
    expect(alice.page.locator("#toast-text")).to_contain_text("Bob keeps it")
    expect(guest.locator(".participants")).to_be_hidden()
    expect(guest.get_by_role("button", name="Done")).to_be_visible()
    expect(guest.get_by_role("button", name="Leave conference")).to_be_hidden()
    expect(bob.page.locator(f"#tab-{interaction_id} .chat-role")).to_be_hidden()
    bob.send("I'll finish this for you.")
    expect(phone.locator(".sbx-row--in .sbx-text").last).to_have_text("I'll finish this for you.")
    detail = api["supervisor"].get(f"/api/v1/interactions/{interaction_id}/").json()  # INTERACTION
    assert (
        detail["owner"]["id"]
        == detail["owner_id"]
        == api["bob"].get("/api/v1/agent/me/").json()["agent"]["id"]
    )


def test_a_conference_via_an_agent_group_reaches_its_ready_agent(stack, api, teams, alice, bob, customer):
    """R5b: once the option names the routing queue, the conference dialog offers agent
    groups and skills (the server says so: not before); routing chooses the group's Ready
    agent, whose invitation says which group it came through; they accept and both are in
    the conversation."""
    conference_attribute(stack, present=True)
    set_option(stack, TRANSFER_QUEUE_OPTION, "")
    try:
        panel = accepted(stack, alice, customer, "Can a specialist join us?")
        interaction_id = alice.interaction_id(panel)
        bob.go_ready()

        # without the option: agents only, no type of target
        dialog = target_dialog(alice, "Invite to conference")
        expect(dialog.get_by_role("group", name="Type of target")).to_be_hidden()
        expect(dialog.get_by_role("radio", name=re.compile("^Bob"))).to_be_visible()
        dialog.get_by_role("button", name="Cancel").click()
        expect(dialog).to_be_hidden()

        # with it: agent, agent group and skill (a conference never goes to a queue)
        set_option(stack, TRANSFER_QUEUE_OPTION, "Transfers")
        dialog = target_dialog(alice, "Invite to conference")
        kinds = dialog.get_by_role("group", name="Type of target")
        expect(kinds.get_by_role("radio")).to_have_count(3)
        expect(kinds.get_by_role("radio", name="Skill")).to_be_visible()
        expect(kinds.get_by_role("radio", name="Queue")).to_have_count(0)
        kinds.get_by_role("radio", name="Agent group").check()
        dialog.get_by_role("radio", name="Escalations").check()
        dialog.get_by_role("button", name="Invite").click()
        expect(dialog).to_be_hidden()
        expect(alice.page.locator("#toast-text")).to_have_text(
            "Bob (via the agent group Escalations) is invited: "
            "the conversation opens in their console when they accept."
        )
        expect(participant(alice, "Bob")).to_contain_text("invited to the conference")

        # bob, the group's Ready agent, is invited and told through which group; he accepts
        card = bob.page.get_by_role("article", name=customer.shown_name)
        expect(card.locator(".invitation-from")).to_have_text(
            "Alice invites you via the agent group Escalations to join this conversation: "
            "you both see it and write to the customer."
        )
        card.get_by_role("button", name=f"Accept the conference with {customer.shown_name}").click()
        expect(card).to_have_count(0)
        guest = bob.page.locator(f"#panel-{interaction_id}")
        expect(guest).to_be_visible()
        expect(guest.locator(".row--in .text")).to_have_text("Can a specialist join us?")
        expect(bob.page.locator(f"#tab-{interaction_id} .chat-role")).to_have_text("Conference")
        expect(participant(alice, "Bob")).to_contain_text("in the conference")
        expect(participant(bob, "Alice")).to_contain_text("owner")
        bob.send("Hello, Bob from escalations here.")
        expect(panel.locator(".row--out", has_text="Bob from escalations").locator(".author")).to_have_text(
            "Bob"
        )
    finally:
        set_option(stack, TRANSFER_QUEUE_OPTION, "Transfers")


def test_a_conference_needs_the_business_attribute(stack, alice, bob, customer):
    """Without InternalConferenceInvite the server does not allow conferences (a 409
    conference_disabled, tests/conversations/test_collaboration.py), so the console does
    not offer them; once it is there, the next resync offers them."""
    conference_attribute(stack, present=False)
    try:
        panel = accepted(stack, alice, customer, "Hello?")
        expect(panel.get_by_role("button", name="Transfer")).to_be_visible()
        expect(panel.get_by_role("button", name="Invite to conference")).to_be_hidden()
        conference_attribute(stack, present=True)
        alice.page.evaluate("() => window.waConsole.resync()")
        bob.go_ready()
        dialog = target_dialog(alice, "Invite to conference")
        dialog.get_by_role("radio", name=re.compile("^Bob")).check()
        dialog.get_by_role("button", name="Invite").click()
        expect(dialog).to_be_hidden()
        expect(participant(alice, "Bob")).to_contain_text("invited to the conference")
    finally:
        conference_attribute(stack, present=True)


def invite_by_api(api, inviter: str, invitee: str, interaction_id: int) -> None:
    """R5 without the dialog: ``inviter`` invites ``invitee`` (who must be Ready)."""
    invitee_id = api[invitee].get("/api/v1/agent/me/").json()["agent"]["id"]
    api[inviter].post(
        f"/api/v1/interactions/{interaction_id}/conference/", json={"agent_id": invitee_id}
    ).raise_for_status()


def test_an_invitation_made_while_the_console_was_closed_is_there_when_it_opens(
    stack, api, browser, contexts, alice, customer
):
    """The pending invitations come with the page (and every resync), not only as a frame:
    an agent who signs in, reloads or missed the frame can still accept one."""
    conference_attribute(stack, present=True)
    panel = accepted(stack, alice, customer, "Can someone from billing help?")
    interaction_id = alice.interaction_id(panel)
    set_ready(api, "bob", True)
    invite_by_api(api, "alice", "bob", interaction_id)

    bob = login(browser, stack, "bob")
    card = bob.page.get_by_role("article", name=customer.shown_name)
    expect(card.locator(".invitation-from")).to_contain_text("Alice invites you to join this conversation")
    card.get_by_role("button", name=f"Accept the conference with {customer.shown_name}").click()
    guest = bob.page.locator(f"#panel-{interaction_id}")
    expect(guest).to_be_visible()
    expect(bob.page.locator(f"#tab-{interaction_id} .chat-role")).to_have_text("Conference")


def test_an_invitation_withdrawn_says_why_and_cannot_be_accepted(stack, api, alice, bob, customer):
    """conference.withdrawn: the conversation was done before the invited agent answered."""
    conference_attribute(stack, present=True)
    panel = accepted(stack, alice, customer, "Is my order on its way?")
    interaction_id = alice.interaction_id(panel)
    bob.go_ready()
    invite_by_api(api, "alice", "bob", interaction_id)
    card = bob.page.get_by_role("article", name=customer.shown_name)
    accept = card.get_by_role("button", name=f"Accept the conference with {customer.shown_name}")
    expect(accept).to_be_visible()

    api["alice"].post(f"/api/v1/interactions/{interaction_id}/done/", json={}).raise_for_status()
    expect(card.locator(".offer-status")).to_have_text("Withdrawn: the conversation is done")
    expect(accept).to_be_hidden()
    expect(card).to_have_count(0)  # it goes after a few seconds
    expect(bob.page.locator(f"#panel-{interaction_id}")).to_have_count(0)


# --- R6 ------------------------------------------------------------------------------------------


def test_a_consultation_is_internal_and_the_consulted_agent_reads_only(stack, alice, bob, customer, phone):
    panel = accepted(stack, alice, customer, "Is my order 4711 covered by the warranty?")
    interaction_id = alice.interaction_id(panel)

    # alice consults bob (Not Ready: he can still be consulted) with a first message
    dialog = target_dialog(alice, "Consult", exact=True)
    expect(dialog.get_by_role("heading")).to_have_text(f"Consult an agent about {customer.shown_name}")
    dialog.get_by_role("radio", name=re.compile("^Bob")).check()
    consult = dialog.get_by_role("button", name="Consult")
    expect(consult).to_be_disabled()  # the question first
    dialog.get_by_label("Your question").fill("Does the warranty cover order 4711?")
    consult.click()
    expect(dialog).to_be_hidden()
    page = panel.get_by_role("tabpanel", name="Consultation")
    expect(panel.get_by_role("tab", name="Consultation")).to_have_attribute("aria-selected", "true")
    expect(page.locator(".consult-internal")).to_contain_text("never sent to the customer")
    expect(page.locator(".consult-msg .consult-body")).to_have_text(["Does the warranty cover order 4711?"])
    expect(participant(alice, "Bob")).to_contain_text("consulted")

    # bob gets the conversation read only, and the consultation
    consulted = bob.page.locator(f"#panel-{interaction_id}")
    expect(bob.page.locator("#toast-text")).to_contain_text(f"Alice consults you about {customer.shown_name}")
    expect(bob.page.locator(f"#tab-{interaction_id} .chat-role")).to_have_text("Consultation")
    bob.page.locator(f"#tab-{interaction_id}").click()
    expect(consulted.locator(".row--in .text")).to_have_text("Is my order 4711 covered by the warranty?")
    expect(consulted.locator(".participants")).to_contain_text("Consultation · read only")
    composer = consulted.get_by_label("Message", exact=True)
    expect(composer).to_be_disabled()
    expect(composer).to_have_attribute("placeholder", "Consultation: read only")
    expect(consulted.locator(".window-notice")).to_contain_text("Consultation: read only")
    expect(consulted.locator("button.send")).to_be_disabled()
    for action in ("Done", "Transfer", "Invite to conference", "Move to workbin"):
        expect(consulted.get_by_role("button", name=action)).to_be_hidden()
    bobs_page = consulted.get_by_role("tabpanel", name="Consultation")
    expect(bobs_page.locator(".consult-with")).to_contain_text("Alice consults you about this conversation")
    expect(bobs_page.locator(".consult-msg")).to_contain_text("Alice")

    # bob answers; alice sees it live; after a reload bob still has the consultation
    bobs_page.get_by_label("Internal message").fill("Yes: two years from delivery.")
    bobs_page.get_by_role("button", name="Send in the consultation").click()
    expect(page.locator(".consult-msg .consult-body")).to_have_text(
        ["Does the warranty cover order 4711?", "Yes: two years from delivery."]
    )
    expect(page.locator(".consult-msg").last.locator(".consult-author")).to_have_text("Bob")
    bob.page.reload()
    consulted = bob.page.locator(f"#panel-{interaction_id}")
    expect(consulted.get_by_role("tabpanel", name="Consultation").locator(".consult-body")).to_have_count(2)
    expect(consulted.get_by_label("Message", exact=True)).to_be_disabled()

    # nothing of it reached the customer
    alice.send("Good news: your order is covered.")
    expect(phone.locator(".sbx-row--in .sbx-text")).to_have_text(["Good news: your order is covered."])
    assert [m["content"].get("body") for m in business_messages(stack, customer)] == [
        "Good news: your order is covered."
    ]

    # alice ends it: bob's tab goes, alice's page says so
    page.get_by_role("button", name="End consultation").click()
    expect(consulted).to_have_count(0)
    expect(bob.page.locator("#toast-text")).to_contain_text(
        f"The consultation about {customer.shown_name} ended"
    )
    expect(page.locator(".consult-with")).to_have_text(
        "The consultation ended. Consult again to ask someone."
    )
    expect(page.get_by_label("Internal message")).to_be_hidden()
    expect(alice.tab.locator(".participants")).to_be_hidden()


def test_a_supervisor_consulted_about_an_agents_conversation_can_transfer_it_and_finish_it(
    stack, api, browser, contexts, alice, bob, customer
):
    """P6: the console offers what the server allows. A supervisor may take the owner's
    actions on any conversation, so consulted about one they see Transfer and Done, and
    both work (the console used to hide them from anyone but the owner)."""
    sam = login(browser, stack, "supervisor")  # the console makes them an agent profile
    panel = accepted(stack, alice, customer, "I want to speak to someone in charge")
    interaction_id = alice.interaction_id(panel)

    def consult_sam(agent: Console, question: str):
        dialog = target_dialog(agent, "Consult", exact=True)
        dialog.get_by_role("radio", name=re.compile("^Sam")).check()
        dialog.get_by_label("Your question").fill(question)
        dialog.get_by_role("button", name="Consult").click()
        expect(dialog).to_be_hidden()
        sam.page.locator(f"#tab-{interaction_id}").click()
        return sam.page.locator(f"#panel-{interaction_id}")

    watched = consult_sam(alice, "Can you take this one?")
    expect(watched.locator(".row--in .text")).to_have_text("I want to speak to someone in charge")
    expect(watched.get_by_role("button", name="Transfer")).to_be_visible()
    expect(watched.get_by_role("button", name="Done")).to_be_visible()
    expect(watched.get_by_label("Message", exact=True)).to_be_enabled()  # a supervisor may write

    # Transfer to bob: alice's tab closes, bob gets the offer
    bob.go_ready()
    dialog = target_dialog(sam, "Transfer")
    dialog.get_by_label("Search by name").fill("bo")
    dialog.get_by_role("radio", name=re.compile("^Bob")).check()
    dialog.get_by_role("button", name="Transfer").click()
    expect(dialog).to_be_hidden()
    expect(panel).to_have_count(0)
    expect(watched).to_have_count(0)  # the transfer ended the consultation
    bob.accept(customer)

    # bob consults Sam too; Sam finishes the conversation with Done
    watched = consult_sam(bob, "The customer insists, can you close it?")
    watched.get_by_role("button", name="Done").click()
    sam.page.locator("#done-submit").click()
    expect(watched).to_have_count(0)
    expect(bob.page.locator(f"#panel-{interaction_id}")).to_have_count(0)
    assert api["supervisor"].get(f"/api/v1/interactions/{interaction_id}/").json()["state"] == "closed"


# --- R8 ------------------------------------------------------------------------------------------


def test_a_new_number_is_assigned_to_a_known_contact(stack, alice, customer):
    panel = accepted(stack, alice, customer, "Hi, it's Lena, I have a new phone")
    expect(panel.locator(".conv-name")).to_have_text(customer.shown_name)

    side = panel.locator("aside.side")
    side.get_by_role("button", name="This is a known contact…").click()
    dialog = alice.page.get_by_role("dialog")
    expect(dialog.get_by_role("heading")).to_have_text(f"Assign {customer.shown_name} to a known contact")
    dialog.get_by_label("Find the contact").fill("Lena")
    entry = dialog.locator(".assign-item", has_text="Lena Vogel (CRM)")
    expect(entry).to_contain_text("+4915112345678")
    assign = dialog.get_by_role("button", name="Assign")
    expect(assign).to_be_disabled()
    entry.get_by_role("button", name="Choose Lena Vogel (CRM)").click()
    expect(dialog.locator("#assign-question")).to_contain_text(
        f"Assign this conversation with {customer.shown_name} (+{customer.wa_id}) to Lena Vogel (CRM)?"
    )
    expect(assign).to_be_focused()
    assign.click()
    expect(dialog).to_be_hidden()

    # the header and the panel show the known contact; her history includes the earlier one
    expect(panel.locator(".conv-name")).to_have_text("Lena Vogel (CRM)")
    expect(side.get_by_label("Name", exact=True)).to_have_value("Lena Vogel (CRM)")
    history = side.locator(".history-item")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("this conversation")
    expect(history.last).to_contain_text("Disposition: Resolved")
    expect(panel.locator(".separator--earlier")).to_have_count(1)
    expect(panel.locator(".row--in", has_text="Hi, my parcel hasn't arrived")).to_be_visible()
    expect(alice.page.locator(".chat-item .chat-name")).to_have_text(["Lena Vogel (CRM)"])
    # ... on the number she writes from now, which the header shows and replies go to
    expect(panel.locator(".conv-sub")).to_contain_text(f"+{customer.wa_id}")
    expect(panel.locator(".conv-sub")).not_to_contain_text("+4915112345678")
    alice.send("Welcome back, Lena!")
    deadline = time.monotonic() + 15
    while "Welcome back, Lena!" not in [m["content"].get("body") for m in business_messages(stack, customer)]:
        assert time.monotonic() < deadline, "the reply never reached the phone she writes from"
        time.sleep(0.2)

    # another new number while Lena's conversation is open: both open, refused, said so
    other = new_customer("Lena Again")
    customer_says(stack, other, "It's me again, from my work phone")
    expect(alice.offer(other)).to_be_visible()
    second = alice.accept(other)
    second.locator("aside.side").get_by_role("button", name="This is a known contact…").click()
    dialog.get_by_label("Find the contact").fill("Vogel")
    dialog.locator(".assign-item", has_text="Lena Vogel (CRM)").get_by_role(
        "button", name="Choose Lena Vogel (CRM)"
    ).click()
    dialog.get_by_role("button", name="Assign").click()
    problem = dialog.locator("#assign-error")
    expect(problem).to_have_attribute("data-code", "both_open")
    expect(problem).to_contain_text(
        "Cannot assign: both contacts have a conversation open on the same number"
    )
    dialog.get_by_role("button", name="Cancel").click()
    expect(second.locator(".conv-name")).to_have_text(other.shown_name)
