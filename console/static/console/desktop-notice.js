// R2b: what a desktop notice says (the interaction's type, the customer) and when one is
// shown, without the DOM (tests/js/desktop.test.js); desktop.js shows it.

import { viaText } from "./routing.js";
import { fmt, gettext } from "./i18n.js";

/** @import { Contact, Invitation, Offer } from "./types.js" */

/**
 * @typedef {object} DesktopNotice
 * @property {"offer" | "invitation" | "consultation"} kind
 * @property {string} title the notification's title: what came, and the interaction's type
 * @property {string} body who (the customer), and what they wrote or who asks
 * @property {string} flash the title flash's words ("New offer — Lena Vogel")
 * @property {string} tag one notification per piece of work (a repeated frame replaces it)
 * @property {number} interactionId
 */

/** The customer as a notice names them. @param {Partial<Contact> | undefined} contact @param {string} [waId] */
export function customerOf(contact, waId = "") {
  const c = contact || {};
  const number = waId || c.wa_id || "";
  return c.display_name || c.profile_name || (number ? `+${number}` : gettext("a customer"));
}

/** What kind of interaction an offer is (R2b: the preview names it). @param {Offer} offer */
export function offerTypeOf(offer) {
  const kind = offer.origin && offer.origin.kind;
  if (kind === "transfer") return offer.origin && offer.origin.by ? fmt(gettext("WhatsApp conversation transferred by %(by)s"), { by: offer.origin.by }) : gettext("Transferred WhatsApp conversation");
  if (kind === "workbin") return gettext("WhatsApp conversation back from a workbin");
  return gettext("New WhatsApp conversation");
}

/**
 * Where an offer comes from, on its card ("Transferred by Bob"), in the agent's language: by
 * its kind, not the server's label (a push is built once, in the language of whoever caused it).
 * @param {{ kind: string, label: string, by?: string }} origin
 */
export function originOf(origin) {
  const by = origin.by || "";
  if (origin.kind === "transfer") return by ? fmt(gettext("Transferred by %(by)s"), { by }) : gettext("Transferred");
  if (origin.kind === "workbin") return by ? fmt(gettext("Back from a workbin, put there by %(by)s"), { by }) : gettext("Back from a workbin");
  return by ? `${origin.label} · ${by}` : origin.label;
}

/** A message's words for a preview (text, else its kind). @param {{ type?: string, body?: string } | null | undefined} message */
function said(message) {
  if (!message) return "";
  if (message.type === "text" && message.body) return message.body.length > 120 ? `${message.body.slice(0, 119)}…` : message.body;
  return message.type ? `[${message.type}]` : "";
}

/** @param {Offer} offer @returns {DesktopNotice} */
export function offerNotice(offer) {
  const who = customerOf(offer.contact, offer.customer_wa_id);
  const number = offer.customer_wa_id || (offer.contact && offer.contact.wa_id) || "";
  const whoLine = number && who !== `+${number}` ? `${who} (+${number})` : who;
  const latest = said(offer.latest_message || offer.first_message);
  const queue = offer.queue ? ` · ${offer.queue}` : "";
  return {
    kind: "offer",
    title: fmt(gettext("New offer: %(offer_type_of)s"), { offer_type_of: offerTypeOf(offer) }),
    body: `${whoLine}${queue}${latest ? `\n${latest}` : ""}`,
    flash: fmt(gettext("New offer — %(who)s"), { who }),
    tag: `wa-offer-${offer.id}`,
    interactionId: offer.interaction_id,
  };
}

/** @param {Invitation} frame @returns {DesktopNotice} */
export function invitationNotice(frame) {
  const interaction = frame.interaction;
  const who = customerOf(interaction && interaction.contact);
  return {
    kind: "invitation",
    title: gettext("Conference invitation: WhatsApp conversation"),
    body: fmt(gettext("%(inviter)s invites you%(via)s to the conversation with %(who)s"), {
      inviter: frame.inviter || gettext("An agent"),
      via: frame.via ? ` ${viaText(frame.via)}` : "",
      who,
    }),
    flash: fmt(gettext("Conference invitation — %(who)s"), { who }),
    tag: `wa-invitation-${frame.invitation_id}`,
    interactionId: (interaction && interaction.id) || 0,
  };
}

/** @param {number} interactionId @param {Partial<Contact> | undefined} contact @param {string} from who consults @returns {DesktopNotice} */
export function consultationNotice(interactionId, contact, from) {
  const who = customerOf(contact);
  return {
    kind: "consultation",
    title: gettext("Consultation: WhatsApp conversation"),
    body: fmt(gettext("%(from)s consults you about the conversation with %(who)s"), { from: from || gettext("An agent"), who }),
    flash: fmt(gettext("Consultation — %(who)s"), { who }),
    tag: `wa-consultation-${interactionId}`,
    interactionId,
  };
}

/**
 * What a notice does: nothing while the agent looks at the console; else the title flash,
 * the notification when the browser allows it, the sound when the option says so.
 * @param {{ away: boolean, permission: string | null, sound: boolean }} state permission: null when unsupported
 */
export function noticePlan({ away, permission, sound }) {
  return { flash: away, notification: away && permission === "granted", sound: away && sound };
}

/** The header button's words for a permission state (null: the browser has no notifications). @param {string | null} permission */
export function permissionControl(permission) {
  if (permission === null) return { hidden: true, disabled: true, text: "", title: "" };
  if (permission === "granted") {
    return { hidden: false, disabled: true, text: gettext("Desktop notices on"), title: gettext("New offers, invitations and consultations show on your desktop while you work elsewhere") };
  }
  if (permission === "denied") {
    return { hidden: false, disabled: true, text: gettext("Desktop notices blocked"), title: gettext("The browser blocks notifications for this site: allow them in its site settings") };
  }
  return { hidden: false, disabled: false, text: gettext("Enable desktop notices"), title: gettext("Be told on your desktop of new offers, invitations and consultations while you work elsewhere") };
}

/** The title's words for the new work that came: "(2) New offer — Lena Vogel" (the latest). @param {string[]} alerts */
export function titleAlert(alerts) {
  return alerts.length ? `(${alerts.length}) ${alerts[alerts.length - 1]}` : "";
}
