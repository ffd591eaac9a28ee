// R2: offered interactions, as preview cards with Accept / Reject and a live countdown.

import { errorCode, errorStatus } from "./api.js";
import { el, linkify } from "./dom.js";
import { originOf } from "./desktop-notice.js";
import { describeError } from "./errors.js";
import { initialOf } from "./format.js";
import { numberAside, profileAside } from "./identity.js";
import { summaryOf } from "./messages.js";
import { countdown } from "./routing.js";
import { fmt, gettext } from "./i18n.js";

/** @import { Api } from "./api.js" */
/** @import { InteractionSummary, Offer } from "./types.js" */

/**
 * What the offers ask of the console.
 * @typedef {object} OffersHost
 * @property {Api} api
 * @property {() => number} now the server-corrected clock
 * @property {(interaction: InteractionSummary) => void} onAccepted
 * @property {(text: string) => void} announce
 * @property {(interactionId: number) => boolean} isOpen a tab shows this interaction
 */

/**
 * @typedef {object} OfferCard
 * @property {Offer} offer
 * @property {HTMLElement} node
 * @property {{ countdown: HTMLElement, bar: HTMLElement, error: HTMLElement, accept: HTMLButtonElement, reject: HTMLButtonElement, actions: HTMLElement, status: HTMLElement }} refs
 * @property {string} state "pending", or why it went
 * @property {number} addedAt
 */

/** @type {Record<string, string>} */
const REASONS = {
  expired: gettext("Redirected: not accepted in time"),
  withdrawn: gettext("Withdrawn"),
  rejected: gettext("Rejected"),
  gone: gettext("No longer available"),
};
const LINGER_MS = 6000;

export class Offers {
  /** @param {HTMLElement} root the offer list @param {OffersHost} host */
  constructor(root, host) {
    this.root = root;
    this.host = host;
    /** @type {Map<number, OfferCard>} */
    this.cards = new Map();
  }

  get pendingCount() {
    return [...this.cards.values()].filter((c) => c.state === "pending").length;
  }

  /**
   * The offers the server says are pending (bootstrap, resync): add new ones, retire the
   * ones that vanished — unless they arrived (by a frame) after the request was made.
   * @param {Offer[]} offers
   * @param {{ requestedAt?: number }} [when]
   */
  sync(offers, { requestedAt = Infinity } = {}) {
    const ids = new Set(offers.map((o) => o.id));
    for (const offer of offers) this.add(offer, { announce: false });
    for (const [id, card] of this.cards) {
      if (!ids.has(id) && card.state === "pending" && card.addedAt < requestedAt) {
        this.withdraw(id, this.host.isOpen(card.offer.interaction_id) ? "accepted" : "gone");
      }
    }
  }

  /** @param {Offer} offer */
  add(offer, { announce = true } = {}) {
    const known = this.cards.get(offer.id);
    if (known) {
      if (known.state === "pending") known.offer = offer;
      return;
    }
    const card = this.build(offer, this.host.now());
    this.cards.set(offer.id, card);
    this.root.prepend(card.node);
    this.root.closest("[data-offers]")?.removeAttribute("hidden");
    this.tick();
    if (announce) this.host.announce(fmt(gettext("New conversation offered: %(display_name)s"), { display_name: offer.contact.display_name }));
  }

  /** @param {Offer} offer @param {number} addedAt @returns {OfferCard} */
  build(offer, addedAt) {
    /** @type {Partial<Offer["contact"]>} */
    const contact = offer.contact || {};
    const first = offer.first_message;
    const latest = offer.latest_message;
    const caseData = Object.entries(offer.case_data || {});
    const accept = el("button", { type: "button", class: "btn btn--primary", text: gettext("Accept"), onclick: () => this.accept(offer.id) });
    const reject = el("button", { type: "button", class: "btn", text: gettext("Reject"), onclick: () => this.reject(offer.id) });
    const refs = {
      countdown: el("span", { class: "countdown-text" }),
      bar: el("span", { class: "countdown-bar" }),
      error: el("div", { class: "offer-error", role: "alert", hidden: true }),
      accept,
      reject,
      actions: el("div", { class: "offer-actions" }, reject, accept),
      status: el("div", { class: "offer-status", hidden: true }),
    };
    const titleId = `offer-title-${offer.id}`;
    const node = el(
      "article",
      { class: "offer", "aria-labelledby": titleId, dataset: { offerId: String(offer.id), interactionId: String(offer.interaction_id) } },
      el(
        "header",
        { class: "offer-head" },
        el("span", { class: "avatar avatar--small", "aria-hidden": "true", text: initialOf(contact.display_name) }),
        el(
          "div",
          { class: "offer-who" },
          el("h3", { id: titleId, class: "offer-name", text: contact.display_name || gettext("Customer") }),
          el("div", { class: "offer-sub muted" },
            profileAside(contact) ? el("span", { class: "offer-profile", text: profileAside(contact) }) : null,
            numberAside(contact, offer.customer_wa_id || contact.wa_id)
              ? el("span", { text: numberAside(contact, offer.customer_wa_id || contact.wa_id) })
              : null),
        ),
        el("span", { class: "offer-queue", title: gettext("Queue"), text: offer.queue || gettext("No queue") }),
      ),
      offer.origin
        ? el("p", {
            class: "offer-origin",
            dataset: { kind: offer.origin.kind },
            text: originOf(offer.origin),
          })
        : null,
      first
        ? el("blockquote", { class: "offer-first" }, first.type === "text" ? linkify(first.body) : summaryOf(first))
        : el("p", { class: "offer-first muted", text: gettext("No message yet") }),
      latest
        ? el(
            "blockquote",
            { class: "offer-latest", "aria-label": gettext("Latest message") },
            el("span", { class: "offer-latest-label muted", text: gettext("Latest: ") }),
            latest.type === "text" ? linkify(latest.body) : summaryOf(latest),
          )
        : null,
      caseData.length
        ? el(
            "dl",
            { class: "offer-case" },
            caseData.map(([key, value]) => [
              el("dt", { text: key }),
              el("dd", { text: typeof value === "object" ? JSON.stringify(value) : String(value) }),
            ]),
          )
        : null,
      el("div", { class: "countdown", role: "timer", "aria-label": gettext("Time left to accept") }, refs.bar, refs.countdown),
      refs.error,
      refs.status,
      refs.actions,
    );
    return { offer, node, refs, state: "pending", addedAt };
  }

  /** @param {number} id */
  async accept(id) {
    const card = this.cards.get(id);
    if (!card || card.state !== "pending") return;
    this.busy(card, true);
    try {
      /** @type {InteractionSummary} */
      const interaction = await this.host.api.post(`offers/${id}/accept/`, {});
      this.remove(id);
      this.host.onAccepted(interaction);
    } catch (error) {
      this.busy(card, false);
      this.fail(card, error);
    }
  }

  /** @param {number} id */
  async reject(id) {
    const card = this.cards.get(id);
    if (!card || card.state !== "pending") return;
    this.busy(card, true);
    try {
      await this.host.api.post(`offers/${id}/reject/`, {});
      this.withdraw(id, "rejected");
    } catch (error) {
      this.busy(card, false);
      this.fail(card, error);
    }
  }

  /** @param {OfferCard} card @param {boolean} on */
  busy(card, on) {
    card.refs.accept.disabled = on;
    card.refs.reject.disabled = on;
  }

  /** @param {OfferCard} card @param {unknown} error */
  fail(card, error) {
    card.refs.error.hidden = false;
    card.refs.error.textContent = describeError(error);
    if ([409, 404, 403].includes(errorStatus(error))) {
      this.withdraw(card.offer.id, errorCode(error) === "offer_expired" ? "expired" : "gone");
    }
  }

  /** offer.withdrawn: say why on the card, then let it go. @param {number} id @param {string} reason */
  withdraw(id, reason) {
    const card = this.cards.get(id);
    if (!card) return;
    if (reason === "accepted") {
      this.remove(id);
      return;
    }
    if (card.state !== "pending") return;
    card.state = reason;
    card.node.classList.add("offer--closed");
    card.node.dataset.state = reason;
    card.refs.actions.hidden = true;
    card.refs.status.hidden = false;
    card.refs.status.textContent = REASONS[reason] || reason;
    card.refs.countdown.textContent = "";
    card.refs.bar.style.width = "0";
    setTimeout(() => this.remove(id), LINGER_MS);
  }

  /** @param {number} id */
  remove(id) {
    const card = this.cards.get(id);
    if (!card) return;
    card.node.remove();
    this.cards.delete(id);
    if (!this.cards.size) this.root.closest("[data-offers]")?.setAttribute("hidden", "");
  }

  /** Countdowns to due_at, on the server's clock. */
  tick() {
    const now = this.host.now();
    for (const card of this.cards.values()) {
      if (card.state !== "pending") continue;
      const shown = countdown(card.offer, now);
      card.refs.countdown.textContent = shown.text;
      card.refs.bar.style.width = shown.width;
      card.node.classList.toggle("offer--urgent", shown.urgent);
      card.node.dataset.secondsLeft = String(shown.seconds);
    }
  }
}
