// How the contact panel names a customer's WhatsApp identity (G2) and their marketing
// preference (G3). DOM-free (unit-tested with node --test, tests/js/).

import { fmt, gettext, locale } from "./i18n.js";

/** @import { Contact, Message } from "./types.js" */

/**
 * U2: the customer's name exactly as the server names it (``display_name``: the CRM name,
 * else the profile name with the number's last digits, else @username, else the number).
 * The console never builds a name of its own; "Customer" only covers a payload without one.
 * @param {Partial<Contact> | null | undefined} contact
 */
export function nameOf(contact) {
  return (contact && contact.display_name) || gettext("Customer");
}

/**
 * U2: the WhatsApp profile name as secondary text ("~Maria") when the shown name is
 * something else (the CRM's, a username); "" when the name already is the profile name.
 * @param {Partial<Contact> | null | undefined} contact
 */
export function profileAside(contact) {
  const profile = (contact && contact.profile_name) || "";
  if (!contact || !profile || contact.name_source === "profile" || profile === contact.display_name) return "";
  return `~${profile}`;
}

/**
 * The number as secondary text ("+4915112340002"), "" when there is none or the shown name
 * is that number already.
 * @param {Partial<Contact> | null | undefined} contact
 * @param {string | null | undefined} [number] the number this conversation is on (R8)
 */
export function numberAside(contact, number = contact && contact.wa_id) {
  if (!number) return "";
  const shown = `+${number}`;
  return contact && contact.name_source === "number" && contact.display_name === shown ? "" : shown;
}

/**
 * The customer's WhatsApp address line: the number, and the username they chose; a
 * customer with a username may hide the number, which the line then says.
 * @param {Contact} contact
 */
export function contactAddress(contact) {
  const parts = [];
  if (contact.wa_id) parts.push(`+${contact.wa_id}`);
  if (contact.username) parts.push(`@${contact.username}`);
  if (!contact.wa_id && contact.user_id) parts.push(gettext("number hidden"));
  return parts.join(" · ");
}

/**
 * G3: the customer's choice about marketing messages, with its time, or "" when they
 * never chose (WhatsApp sends only stops and resumes).
 * @param {Contact} contact
 * @param {(date: Date) => string} [when] how to write the time
 */
export function marketingLabel(contact, when = (date) => date.toLocaleString(locale())) {
  const at = contact.marketing_preference_at ? new Date(contact.marketing_preference_at) : null;
  const since = at && !Number.isNaN(at.getTime()) ? ` since ${when(at)}` : "";
  if (contact.marketing_preference === "stop") return fmt(gettext("Stopped marketing messages%(since)s"), { since });
  if (contact.marketing_preference === "resume") return fmt(gettext("Accepts marketing messages again%(since)s"), { since });
  return "";
}

/** G4: the label of a message the business sent from the WhatsApp Business app (an echo). */
export const BUSINESS_APP = gettext("Sent from the business app");

/**
 * Another agent's name on their message, (G4) that the business sent it from the
 * WhatsApp Business app, or (B4) that a bot or an automated flow sent it: "" for ours and
 * the customer's.
 * @param {Message} message @param {number} agentId
 */
export function colleagueOf(message, agentId) {
  if (message.direction === "out" && message.from_business_app) return BUSINESS_APP;
  if (message.direction === "out" && message.automated) {
    return message.author_name ? `${message.author_name} (bot)` : gettext("Automated");
  }
  return (message.direction === "out" && message.author_id && message.author_id !== agentId && message.author_name) || "";
}

/**
 * A copy of the contact older than the one shown (by ``updated_at``): a REST answer that
 * left before an edit and arrives after it must not undo the edit. Unknown times: not older.
 * @param {Partial<Contact>} incoming @param {Partial<Contact>} known
 */
export function isOlderContact(incoming, known) {
  const at = Date.parse(incoming.updated_at || "");
  const shown = Date.parse(known.updated_at || "");
  return incoming.id === known.id && at < shown;
}
