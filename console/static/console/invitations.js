// R5 conference invitations: an invitation is a card like an offer (who invites, which
// customer, and the agent group or skill it came through, R5b) with Accept / Decline; accepted, the conversation opens as a tab. The pending
// ones come with the page and every resync, new ones as conference.invited frames. One
// that became void (conference.withdrawn: the conversation was done, transferred or
// parked) says so on its card, then goes.

import { errorCode, errorStatus } from "./api.js";
import { byId, el } from "./dom.js";
import { describeError } from "./errors.js";
import { initialOf } from "./format.js";
import { numberAside, profileAside } from "./identity.js";
import { icon } from "./icons.js";
import { viaText } from "./routing.js";
import { fmt, fmtParts, gettext } from "./i18n.js";

/** @import { ConsoleApp } from "./console.js" */
/** @import { Contact, Interaction, Invitation } from "./types.js" */

const LINGER_MS = 6000;

/** The customer an invitation is about (what is known of them). @param {Invitation} frame @returns {Partial<Contact>} */
function contactOf(frame) {
  return (frame.interaction && frame.interaction.contact) || {};
}

/**
 * @typedef {object} InvitationCard
 * @property {Invitation} frame
 * @property {HTMLElement} node
 * @property {{ error: HTMLElement, status: HTMLElement, accept: HTMLButtonElement, decline: HTMLButtonElement, actions: HTMLElement }} refs
 * @property {"pending" | "closed"} state
 * @property {number} addedAt when it came (the server's clock)
 */

/** Why an invitation became void (conference.withdrawn's reason). @type {Record<string, string>} */
const WITHDRAWN = {
  done: gettext("Withdrawn: the conversation is done"),
  transferred: gettext("Withdrawn: the conversation was transferred"),
  parked: gettext("Withdrawn: the conversation is in a workbin"),
};
const GONE = gettext("No longer available");

export class Invitations {
  /** @param {ConsoleApp} app */
  constructor(app) {
    this.app = app;
    this.api = app.api;
    this.root = byId("invitation-list");
    this.section = byId("invitations");
    /** @type {Map<number, InvitationCard>} */
    this.cards = new Map();
  }

  /**
   * The invitations the server says are pending (the page's bootstrap, every resync): the
   * ones missed come (a frame is at-most-once; the page may have been closed), the ones
   * that vanished go, unless they came after the request was made.
   * @param {Invitation[]} invitations
   * @param {{ requestedAt?: number }} [when]
   */
  sync(invitations, { requestedAt = Infinity } = {}) {
    const ids = new Set(invitations.map((i) => i.invitation_id));
    for (const invitation of invitations) this.add(invitation, { announce: false });
    for (const [id, card] of this.cards) {
      if (!ids.has(id) && card.state === "pending" && card.addedAt < requestedAt) this.close(id, GONE);
    }
  }

  /** A conference.invited frame. @param {Invitation} frame */
  add(frame, { announce = true } = {}) {
    const id = frame.invitation_id;
    if (!id || this.cards.has(id)) return;
    const card = this.build(frame);
    this.cards.set(id, card);
    this.root.prepend(card.node);
    this.section.hidden = false;
    if (!announce) return;
    const contact = contactOf(frame);
    const via = frame.via ? ` ${viaText(frame.via)}` : "";
    this.app.announce(fmt(gettext("%(inviter)s invites you%(via)s to a conference with %(display_name)s"), { inviter: frame.inviter || gettext("An agent"), via, display_name: contact.display_name || gettext("a customer") }));
  }

  /**
   * conference.withdrawn: the conversation was done, transferred or parked before the
   * agent answered: the card says so, then goes.
   * @param {number} id
   * @param {string | undefined} reason
   */
  withdraw(id, reason) {
    this.close(id, (reason && WITHDRAWN[reason]) || GONE);
  }

  /** @param {Invitation} frame @returns {InvitationCard} */
  build(frame) {
    const interaction = frame.interaction;
    const contact = contactOf(frame);
    const name = contact.display_name || gettext("Customer");
    const inviter = frame.inviter || gettext("An agent");
    const titleId = `invitation-title-${frame.invitation_id}`;
    const accept = el("button", {
      type: "button",
      class: "btn btn--primary",
      text: gettext("Accept"),
      "aria-label": fmt(gettext("Accept the conference with %(name)s"), { name }),
      onclick: () => this.answer(frame.invitation_id, true),
    });
    const decline = el("button", {
      type: "button",
      class: "btn",
      text: gettext("Decline"),
      "aria-label": fmt(gettext("Decline the conference with %(name)s"), { name }),
      onclick: () => this.answer(frame.invitation_id, false),
    });
    const refs = {
      error: el("div", { class: "offer-error", role: "alert", hidden: true }),
      status: el("div", { class: "offer-status", hidden: true }),
      accept,
      decline,
      actions: el("div", { class: "offer-actions" }, decline, accept),
    };
    const node = el(
      "article",
      {
        class: "offer invitation",
        "aria-labelledby": titleId,
        dataset: { invitationId: String(frame.invitation_id), interactionId: String((interaction && interaction.id) || "") },
      },
      el(
        "header",
        { class: "offer-head" },
        el("span", { class: "avatar avatar--small", "aria-hidden": "true", text: initialOf(name) }),
        el(
          "div",
          { class: "offer-who" },
          el("h3", { id: titleId, class: "offer-name", text: name }),
          el(
            "div",
            { class: "offer-sub muted" },
            profileAside(contact) ? el("span", { class: "offer-profile", text: profileAside(contact) }) : null,
            numberAside(contact) ? el("span", { text: numberAside(contact) }) : null,
          ),
        ),
        el("span", { class: "offer-queue invitation-kind" }, icon("users"), gettext("Conference")),
      ),
      el(
        "p",
        { class: "invitation-from" },
        ...fmtParts(
          frame.via
            ? gettext("%(inviter)s invites you %(via)s to join this conversation: you both see it and write to the customer.")
            : gettext("%(inviter)s invites you to join this conversation: you both see it and write to the customer."),
          {
            inviter: el("strong", { class: "invitation-inviter", text: inviter }),
            via: el("span", { class: "invitation-via", text: frame.via ? viaText(frame.via) : "" }),
          },
        ),
      ),
      refs.error,
      refs.status,
      refs.actions,
    );
    return { frame, node, refs, state: "pending", addedAt: this.app.now() };
  }

  /** @param {number} id @param {boolean} accept */
  async answer(id, accept) {
    const card = this.cards.get(id);
    if (!card || card.state !== "pending") return;
    this.busy(card, true);
    card.refs.error.hidden = true;
    try {
      /** @type {{ interaction_id?: number }} */
      const answer = await this.api.post(`conference-invitations/${id}/${accept ? "accept" : "decline"}/`, {});
      if (!accept) {
        this.close(id, gettext("Declined"));
        return;
      }
      this.remove(id);
      const interactionId = answer.interaction_id || (card.frame.interaction && card.frame.interaction.id);
      const contact = contactOf(card.frame);
      try {
        /** @type {Interaction} */
        const detail = await this.api.get(`interactions/${interactionId}/console/`);
        this.app.openTab(detail, { activate: true, focus: true });
      } catch {
        // The interaction.assigned frame and the resync open it.
      }
      this.app.announce(fmt(gettext("You joined the conversation with %(display_name)s"), { display_name: contact.display_name || gettext("the customer") }));
      this.app.resyncSoon();
    } catch (error) {
      this.busy(card, false);
      card.refs.error.hidden = false;
      card.refs.error.textContent = describeError(error);
      // Already answered, the conversation ended, the invitation is gone: it cannot be taken.
      // (At capacity, it can: finish a conversation and accept again.)
      if (errorCode(error) !== "at_capacity" && [403, 404, 409].includes(errorStatus(error))) this.close(id, GONE);
    }
  }

  /** @param {InvitationCard} card @param {boolean} on */
  busy(card, on) {
    card.refs.accept.disabled = on;
    card.refs.decline.disabled = on;
  }

  /** Say why on the card, then let it go. @param {number} id @param {string} reason */
  close(id, reason) {
    const card = this.cards.get(id);
    if (!card || card.state !== "pending") return;
    card.state = "closed";
    card.node.classList.add("offer--closed");
    card.node.dataset.state = reason;
    card.refs.actions.hidden = true;
    card.refs.status.hidden = false;
    card.refs.status.textContent = reason;
    setTimeout(() => this.remove(id), LINGER_MS);
  }

  /** @param {number} id */
  remove(id) {
    const card = this.cards.get(id);
    if (!card) return;
    card.node.remove();
    this.cards.delete(id);
    if (!this.cards.size) this.section.hidden = true;
  }
}
