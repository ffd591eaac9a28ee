// R5, R6: who is in a shared conversation, above its transcript: "In this conversation:
// You (owner) · Bob (in the conference)"; for a consulted agent, that it is read only.
// And leaving a conference.

import { el } from "./dom.js";
import { describeError } from "./errors.js";
import { initialOf } from "./format.js";
import { conferenceGuests, participation } from "./routing.js";
import { fmt, gettext } from "./i18n.js";

/** @import { Participant, Part } from "./types.js" */
/** @import { TabRefs } from "./tab-refs.js" */
/** @import { InteractionTab } from "./tab.js" */

/**
 * The participants bar (hidden when nobody else is in the conversation).
 * @param {Pick<TabRefs, "participantsBar" | "participants" | "participantsLabel">} refs
 * @param {object} shown
 * @param {Participant[]} shown.participants
 * @param {number} shown.agentId this agent
 * @param {string} shown.ownerName the owner's name ("You" for this agent; "" when unknown yet)
 * @param {Part} shown.part this agent's part
 * @param {boolean} shown.canReply
 */
export function renderParticipants(refs, { participants, agentId, ownerName, part, canReply }) {
  const { participantsBar, participants: list, participantsLabel } = refs;
  const present = participants.filter((p) => participation(p));
  const consulted = part === "consultation";
  if (!present.length && !consulted) {
    participantsBar.hidden = true;
    list.replaceChildren();
    return;
  }
  /** @param {string} name @param {string} what @param {string} extra */
  const chip = (name, what, extra) =>
    el(
      "li",
      { class: `participant participant--${extra}` },
      el("span", { class: "avatar avatar--tiny", "aria-hidden": "true", text: initialOf(name) }),
      el("span", { class: "participant-name", text: name }),
      el("span", { class: "participant-what", text: what }),
    );
  list.replaceChildren(
    chip(ownerName || gettext("The owner"), "owner", "owner"),
    ...present.map((p) => chip(p.agent_id === agentId ? gettext("You") : p.name, participation(p), `${p.kind} participant--${p.state}`)),
  );
  participantsLabel.textContent = consulted && !canReply ? gettext("Consultation · read only") : gettext("In this conversation");
  participantsBar.dataset.role = part;
  participantsBar.hidden = false;
}

/** R5: leave the conference (the owner leaving hands the conversation to the guest). @param {InteractionTab} tab */
export async function leaveConference(tab) {
  const { app } = tab;
  const button = tab.refs.leave;
  const handsOver = tab.part === "owner";
  const guests = conferenceGuests(tab.participants, app.agent.id);
  button.disabled = true;
  try {
    await tab.api.post(`interactions/${tab.id}/conference/leave/`, {});
    const who = tab.contact.display_name || gettext("the customer");
    const said = handsOver && guests.length
      ? fmt(gettext("You left the conversation with %(who)s: %(guests)s keeps it."), { who, guests: guests[0].name })
      : fmt(gettext("You left the conference with %(who)s."), { who });
    if (app.tabs.has(tab.id)) app.closeTab(tab.id, said);
    else app.toast(said);
    app.announce(said);
    app.resyncSoon();
  } catch (error) {
    app.toast(fmt(gettext("Could not leave the conference: %(error)s"), { error: describeError(error) }));
  } finally {
    button.disabled = false;
  }
}
