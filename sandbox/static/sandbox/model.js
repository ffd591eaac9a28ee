// The phone page's chat without the DOM (tests/js/): the order of the messages, the one-
// line summary of a message, and what the customer's later messages decide about earlier
// ones (reactions, the option a reply chose).

import { gettext } from "./i18n.js";

/** @import { CloudContact, CloudContent, PhoneMessage } from "./types.js" */

/** A message's content as an object (a contacts message carries a list: {}). @param {PhoneMessage} message @returns {CloudContent} */
export function contentOf(message) {
  const c = message.content;
  return c && !Array.isArray(c) ? c : {};
}

/** The contacts a contacts message shares. @param {PhoneMessage} message @returns {CloudContact[]} */
export function contactsOf(message) {
  return Array.isArray(message.content) ? message.content : [];
}

/** A text that may be a Cloud API {text} object. @param {CloudContent["body"]} body */
function textOf(body) {
  return typeof body === "string" ? body : (body && body.text) || "";
}

/**
 * JSON text of a value with every object's keys in sorted order: the same text for the
 * same value, whichever order its keys came in. A message read back from PostgreSQL
 * (jsonb orders keys its own way) must compare equal to the same message as created.
 * @param {unknown} value
 * @returns {string}
 */
export function stableJson(value) {
  return JSON.stringify(value, (_key, v) => (v && typeof v === "object" && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
    : v));
}

/** Oldest first, by time then id. @param {Iterable<PhoneMessage>} messages */
export function sorted(messages) {
  return [...messages].sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.id - b.id));
}

/** A one-line description of a message, for quotes and the reply bar. @param {PhoneMessage | null | undefined} message */
export function summary(message) {
  if (!message) return gettext("Message");
  const c = contentOf(message);
  switch (message.type) {
    case "text": return textOf(c.body);
    case "image": return c.caption ? `📷 ${c.caption}` : `📷 ${gettext("Photo")}`;
    case "video": return c.caption ? `🎥 ${c.caption}` : `🎥 ${gettext("Video")}`;
    case "audio": return `🎤 ${gettext("Audio")}`;
    case "document": return `📄 ${c.filename || c.caption || gettext("Document")}`;
    case "sticker": return gettext("Sticker");
    case "location": return `📍 ${c.name || c.address || gettext("Location")}`;
    case "contacts": {
      const first = contactsOf(message)[0];
      return `👤 ${(first && first.name && first.name.formatted_name) || gettext("Contact")}`;
    }
    case "template": return (message.rendered && message.rendered.body) || gettext("Template");
    case "interactive":
      if (c.button_reply) return c.button_reply.title;
      if (c.list_reply) return c.list_reply.title;
      return textOf(c.body) || gettext("Interactive message");
    case "button": return c.text || "";
    default: return message.type;
  }
}

/**
 * What later messages decide: reactions are messages of their own (the latest per side and
 * target wins), and a reply names the option it chose (a reply button's or list row's id,
 * a quick reply's index).
 * @param {PhoneMessage[]} ordered oldest first
 */
export function derived(ordered) {
  /** @type {Map<string, string>} "customer:wamid" → emoji */
  const reactions = new Map();
  /** @type {Map<string, string | number>} wamid → the chosen option */
  const chosen = new Map();
  const byWamid = new Map(ordered.map((m) => [m.wamid, m]));
  for (const m of ordered) {
    const c = contentOf(m);
    if (m.type === "reaction" && !m.error) reactions.set(`${m.direction}:${c.message_id}`, c.emoji || "");
    if (m.direction === "customer" && m.context_wamid) {
      if (c.button_reply) chosen.set(m.context_wamid, c.button_reply.id);
      if (c.list_reply) chosen.set(m.context_wamid, c.list_reply.id);
      if (m.type === "button") {
        const target = byWamid.get(m.context_wamid);
        const buttons = (target && target.rendered && target.rendered.buttons) || [];
        const index = buttons.findIndex((b) => b.type === "quick_reply" && (b.payload === c.payload || b.text === c.text));
        if (index >= 0) chosen.set(m.context_wamid, index);
      }
    }
  }
  return { reactions, chosen, byWamid };
}

/** The kind of message a file is sent as (WhatsApp takes JPEG and PNG as images). @param {string} mime */
export function kindOf(mime) {
  if (mime === "image/jpeg" || mime === "image/png") return "image";
  if (mime.startsWith("video/")) return "video";
  if (mime.startsWith("audio/")) return "audio";
  return "document";
}
