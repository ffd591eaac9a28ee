// W1-W3, T3, T4: what the transcript knows about messages, without the DOM (tests/js/).
//
// Messages are merged by id from every source (transcript pages, catch-up pages, POST
// answers, WebSocket frames): a status never goes backwards (except into and out of
// failed, a retry), a short frame never erases what only the full shape carries.

import { fmt, gettext } from "./i18n.js";

/** @import { Message, MessageContent, MessageError, Quoted, StatusUpdate, TemplateComponent } from "./types.js" */

/** @type {Record<string, number>} */
const STATUS_RANK = { received: 0, queued: 1, sending: 2, accepted: 3, sent: 4, delivered: 5, read: 6, played: 7 };
const CENTRED_TYPES = new Set(["unsupported", "system", "request_welcome"]);
/** The message types that carry a file. */
export const MEDIA_KINDS = new Set(["image", "video", "audio", "document", "sticker"]);
/** Outbound statuses after which nothing changes a tick any more. */
export const SETTLED_STATUSES = new Set(["read", "played"]);

/**
 * The status a message has after ``incoming``: never backwards, except into and out of failed (retry).
 * @param {string | undefined} current
 * @param {string | undefined} incoming
 */
export function mergedStatus(current, incoming) {
  if (!incoming) return current;
  if (!current || current === "failed" || incoming === "failed") return incoming;
  return (STATUS_RANK[incoming] ?? 0) >= (STATUS_RANK[current] ?? 0) ? incoming : current;
}

/**
 * One message from two payloads. Frames may carry the short shape (without attachment,
 * reactions, quote…): then what only the full shape carries is kept.
 * @param {Message | undefined} current
 * @param {Message | StatusUpdate} incoming
 * @returns {Message}
 */
export function mergeMessage(current, incoming) {
  const defaults = { attachment: null, reactions: [], quoted: null, author_name: "", revoked: false, edited: false };
  if (!current) return /** @type {Message} */ ({ ...defaults, ...incoming });
  const full = Object.prototype.hasOwnProperty.call(incoming, "attachment");
  /** @type {Message} */
  const merged = full ? /** @type {Message} */ ({ ...incoming }) : { ...current, ...incoming };
  merged.status = mergedStatus(current.status, incoming.status);
  if (merged.status !== incoming.status && incoming.status !== undefined) {
    merged.error_code = current.error_code;
    merged.error_title = current.error_title;
    merged.error_details = current.error_details;
  }
  // Frames from different processes can cross: the worker's "file stored" may arrive
  // before the web process's "message created" (still downloading). What only moves
  // forward stays where it got to.
  if (full && current.attachment && merged.attachment && current.attachment.id === merged.attachment.id
    && attachmentRank(merged.attachment.state) < attachmentRank(current.attachment.state)) {
    merged.attachment = current.attachment;
  }
  if (current.revoked && !merged.revoked) merged.revoked = true;
  if (current.edited && !merged.edited) {
    merged.edited = true;
    merged.body = current.body;
    merged.content = current.content;
  }
  return merged;
}

/** An inbound file only moves forward: downloading, then stored or failed, then purged. */
const ATTACHMENT_RANK = { pending: 0, stored: 1, failed: 1, purged: 2 };

/** @param {string | undefined} state */
function attachmentRank(state) {
  return ATTACHMENT_RANK[/** @type {keyof typeof ATTACHMENT_RANK} */ (state)] ?? 0;
}

/**
 * A message.status frame applied to a message (a failure keeps what is known of its error).
 * @param {Message} known
 * @param {string} status
 * @param {MessageError | null | undefined} error
 */
export function withStatus(known, status, error) {
  /** @type {StatusUpdate} */
  const update = { id: known.id, status };
  if (status === "failed") {
    update.error_code = (error && error.code) ?? known.error_code;
    update.error_title = (error && error.title) || known.error_title || "";
    update.error_details = (error && error.details) || known.error_details || "";
  }
  return mergeMessage(known, update);
}

/**
 * A message.reaction frame applied to a message: one reaction per side; "" removes it
 * (U1: unless the business's removal failed, which stays shown with its error).
 * @param {Message} known
 * @param {string} direction
 * @param {string} emoji
 * @param {{ status?: string, error?: string, author_name?: string }} [state] the business's send
 * @returns {Message}
 */
export function withReaction(known, direction, emoji, state = {}) {
  const reactions = (known.reactions || []).filter((r) => r.direction !== direction);
  if (emoji || state.status === "failed") {
    reactions.push(state.status ? { direction, emoji, status: state.status, error: state.error || "", author_name: state.author_name || "" } : { direction, emoji });
  }
  return { ...known, reactions };
}

/** Is this the short frame shape (attachment, reactions and quote missing)? @param {Message} message */
export function isPartial(message) {
  return !Object.prototype.hasOwnProperty.call(message, "attachment");
}

/** The order messages reached us: arrival time, then id. @param {Message} a @param {Message} b */
export function arrivalOrder(a, b) {
  const ta = Date.parse(a.arrived_at || a.origination_at || "") || 0;
  const tb = Date.parse(b.arrived_at || b.origination_at || "") || 0;
  return ta - tb || a.id - b.id;
}

/** Where a row sits: the customer's left, ours right, errors and notices centred. @param {Message} message */
export function placement(message) {
  if (message.direction === "out" && message.status === "failed") return "center";
  if (CENTRED_TYPES.has(message.type)) return "center";
  return message.direction === "out" ? "out" : "in";
}

/**
 * One line describing a message (tab list, quotes, offers).
 * @param {Message | Quoted | null | undefined} message
 * @param {{ contactName?: string }} [options]
 */
export function summaryOf(message, { contactName = gettext("Customer") } = {}) {
  if (!message) return "";
  if (message.revoked) return gettext("message deleted");
  /** @type {MessageContent} */
  const c = message.content || {};
  const body = message.body || "";
  const attachment = message.attachment;
  const file = (attachment && attachment.file_name) || c.filename || "";
  switch (message.type) {
    case "text":
      return body;
    case "image":
      return body ? `Photo: ${body}` : gettext("Photo");
    case "sticker":
      return gettext("Sticker");
    case "video":
      return body ? `Video: ${body}` : gettext("Video");
    case "audio":
      return (attachment && attachment.voice) || c.voice ? gettext("Voice message") : gettext("Audio");
    case "document":
      return fmt(gettext("Document: %(file)s"), { file: file || body || gettext("file") });
    case "location":
      return c.name || c.address ? fmt(gettext("Location: %(place)s"), { place: c.name || c.address }) : gettext("Location");
    case "contacts":
      return body ? fmt(gettext("Contact: %(name)s"), { name: body }) : gettext("Contact");
    case "interactive":
      if (message.direction === "in") return `chose: ${c.title || body}`;
      return body || gettext("Interactive message");
    case "button":
      return `tapped: ${c.text || body}`;
    case "template":
      return body || `Template ${(c.template && c.template.name) || ""}`.trim();
    case "unsupported":
      return fmt(gettext("unsupported message (%(unsupported_type)s)"), { unsupported_type: c.unsupported_type || "unknown" });
    case "request_welcome":
      return fmt(gettext("%(contact_name)s opened the chat"), { contact_name: contactName });
    default:
      return body || message.type;
  }
}

/**
 * A dynamic website button's URL with the suffix the agent filled in (its {{1}}).
 * @param {string | undefined} url
 * @param {{ components?: TemplateComponent[] } | undefined} template
 * @param {number} index
 */
export function filledUrl(url, template, index) {
  const raw = String(url || "");
  for (const component of (template && template.components) || []) {
    if (component.type === "button" && component.sub_type === "url" && String(component.index) === String(index)) {
      const suffix = ((component.parameters || [])[0] || {}).text || "";
      return raw.replace(/\{\{\s*1\s*\}\}$/, suffix);
    }
  }
  return raw;
}

/**
 * What the customer chose in a reply: a template's quick reply or an interactive message's option.
 * @param {Message} reply
 * @returns {{ texts: string[], ids: string[] } | null}
 */
export function choiceOf(reply) {
  const c = reply.content || {};
  if (reply.type === "button") return { texts: [c.text, c.payload, reply.body].filter(present), ids: [] };
  if (reply.type === "interactive") return { texts: [c.title].filter(present), ids: [c.id].filter(present) };
  return null;
}

/**
 * The options a notification or interactive message offered: [{ id, text }].
 * @param {MessageContent} content
 * @returns {{ id: string, text: string }[]}
 */
export function optionsOf(content) {
  const options = [];
  const rendered = content.rendered || {};
  const spec = content.interactive || {};
  const action = spec.action || spec;
  for (const b of rendered.buttons || []) {
    if (!b || b.type === "url" || b.type === "phone_number") continue;
    options.push({ id: b.id || b.payload || "", text: b.text || b.title || "" });
  }
  if (!options.length) {
    for (const b of action.buttons || []) options.push({ id: (b.reply && b.reply.id) || b.id || "", text: (b.reply && b.reply.title) || b.title || "" });
    for (const section of action.sections || rendered.sections || []) {
      for (const row of section.rows || []) options.push({ id: row.id || "", text: row.title || "" });
    }
  }
  return options.filter((o) => o.text);
}

/**
 * The text of a notice row: an unsupported message, a welcome request, a system message.
 * @param {Message} message
 * @param {string} contactName
 * @returns {{ text: string, kind: "error" | "info" }}
 */
export function noticeOf(message, contactName) {
  const c = message.content || {};
  if (message.type === "unsupported") return { text: fmt(gettext("unsupported message (%(unsupported_type)s)"), { unsupported_type: c.unsupported_type || "unknown" }), kind: "error" };
  if (message.type === "request_welcome") return { text: fmt(gettext("%(contact_name)s opened the chat"), { contact_name: contactName }), kind: "info" };
  return { text: message.body || c.body || gettext("System message"), kind: "info" };
}

/** A WhatsApp error of a message, in one line. @param {MessageError} e */
export function errorLine(e) {
  return [e.title, e.message, e.error_data && e.error_data.details].filter(Boolean).join(" — ") + (e.code ? ` (${e.code})` : "");
}

/**
 * W2: how a message's time is shown: delayed (its origination far from its arrival) and
 * out of order (it originated before the message shown above it), at WhatsApp's precision
 * of whole seconds.
 * @param {Message} message
 * @param {number | null} previousOrigin the second the message above originated (null: none)
 * @param {number} delayLimitMs whatsappsession.message-delay-timespan
 */
export function timing(message, previousOrigin, delayLimitMs) {
  const origination = Date.parse(message.origination_at || "");
  const arrival = Date.parse(message.arrived_at || "") || origination;
  const originSecond = Number.isFinite(origination) ? Math.floor(origination / 1000) : null;
  return {
    delayed: Number.isFinite(origination) && Number.isFinite(arrival) && Math.abs(arrival - origination) > delayLimitMs,
    outOfOrder: previousOrigin !== null && originSecond !== null && originSecond < previousOrigin,
    originSecond,
  };
}

/**
 * Messages already shown whose state may have changed while frames were lost: our
 * messages whose ticks can still move (or that failed and may be retried), files still
 * downloading, and the recent tail (reactions, edits, deletes). Newest first, at most ``max``.
 * @param {Message[]} ordered the transcript, oldest first
 * @param {{ tail: number, max: number }} limits
 */
export function refreshIds(ordered, { tail, max }) {
  /** @type {Set<number>} */
  const ids = new Set();
  for (let i = ordered.length - 1; i >= 0 && ids.size < max; i -= 1) {
    const m = ordered[i];
    const unsettled = m.direction === "out" && !SETTLED_STATUSES.has(m.status || "");
    const downloading = MEDIA_KINDS.has(m.type) && (!m.attachment || m.attachment.state === "pending");
    if (ordered.length - i <= tail || unsettled || downloading) ids.add(m.id);
  }
  return [...ids];
}

/** @template T @param {T | null | undefined | "" | false | 0} value @returns {value is T} */
function present(value) {
  return Boolean(value);
}

/**
 * G5: a message WhatsApp asked us to hold back (130429: the number's throughput, 131056:
 * too many messages to this customer) waits to send: it is not a failure. "" otherwise.
 * @param {Message} message
 */
export function waitingLabel(message) {
  if (!message.waiting_to_send) return "";
  return message.error_code === 131056
    ? gettext("Waiting to send: WhatsApp limits messages to one customer in a short time")
    : gettext("Waiting to send: WhatsApp asked this number to slow down");
}
