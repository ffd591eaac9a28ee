// W1–W3, W6, W9, W10, M1: the transcript of one interaction tab.
//
// Messages are kept by id and merged from every source (transcript pages, catch-up
// pages, POST answers, WebSocket frames), so a message shown twice or out of order is
// impossible by construction. They are shown in the order they reached us (arrival
// time, then id): a late message appears at the bottom, where the agent sees it, with
// its origination time in bold (delayed) and in red when it originated before the
// message shown above it (out of chronological order).
//
// Rows are rebuilt only when what they show changes; delivery ticks are updated in
// place so that a playing video or audio is never interrupted by a status update.

import {
  dayOf,
  el,
  fullTimeOf,
  humanSize,
  link,
  linkify,
  safeUrl,
  timeOf,
  toDate,
} from "./dom.js";
import { icon } from "./icons.js";

const STATUS_RANK = { received: 0, queued: 1, sending: 2, accepted: 3, sent: 4, delivered: 5, read: 6, played: 7 };
const TICKS = {
  queued: ["clock", "Queued"],
  sending: ["clock", "Sending"],
  accepted: ["clock", "Accepted by WhatsApp"],
  sent: ["check", "Sent"],
  delivered: ["checks", "Delivered"],
  read: ["checks", "Read"],
  played: ["checks", "Played"],
};
const CENTRED_TYPES = new Set(["unsupported", "system", "request_welcome"]);
const MEDIA_KINDS = new Set(["image", "video", "audio", "document", "sticker"]);
const PINNED_DISTANCE = 60;

/** The status a message has after ``incoming``: never backwards, except into and out of failed (retry). */
export function mergedStatus(current, incoming) {
  if (!incoming) return current;
  if (!current || current === "failed" || incoming === "failed") return incoming;
  return (STATUS_RANK[incoming] ?? 0) >= (STATUS_RANK[current] ?? 0) ? incoming : current;
}

/**
 * One message from two payloads. Frames may carry the short shape (without attachment,
 * reactions, quote…): then what only the full shape carries is kept.
 */
export function mergeMessage(current, incoming) {
  const defaults = { attachment: null, reactions: [], quoted: null, author_name: "", revoked: false, edited: false };
  if (!current) return { ...defaults, ...incoming };
  const full = Object.prototype.hasOwnProperty.call(incoming, "attachment");
  const merged = full ? { ...incoming } : { ...current, ...incoming };
  merged.status = mergedStatus(current.status, incoming.status);
  if (merged.status !== incoming.status && incoming.status !== undefined) {
    for (const key of ["error_code", "error_title", "error_details"]) merged[key] = current[key];
  }
  return merged;
}

/** Is this the short frame shape (attachment, reactions and quote missing)? */
export function isPartial(message) {
  return !Object.prototype.hasOwnProperty.call(message, "attachment");
}

function arrivalOrder(a, b) {
  const ta = Date.parse(a.arrived_at || a.origination_at) || 0;
  const tb = Date.parse(b.arrived_at || b.origination_at) || 0;
  return ta - tb || a.id - b.id;
}

/** One line describing a message (tab list, quotes, offers). */
export function summaryOf(message, { contactName = "Customer" } = {}) {
  if (!message) return "";
  if (message.revoked) return "message deleted";
  const c = message.content || {};
  const body = message.body || "";
  const file = (message.attachment && message.attachment.file_name) || c.filename || "";
  switch (message.type) {
    case "text":
      return body;
    case "image":
      return body ? `Photo: ${body}` : "Photo";
    case "sticker":
      return "Sticker";
    case "video":
      return body ? `Video: ${body}` : "Video";
    case "audio":
      return (message.attachment && message.attachment.voice) || c.voice ? "Voice message" : "Audio";
    case "document":
      return `Document: ${file || body || "file"}`;
    case "location":
      return `Location${c.name || c.address ? `: ${c.name || c.address}` : ""}`;
    case "contacts":
      return `Contact${body ? `: ${body}` : ""}`;
    case "interactive":
      if (message.direction === "in") return `chose: ${c.title || body}`;
      return body || "Interactive message";
    case "button":
      return `tapped: ${c.text || body}`;
    case "template":
      return body || `Template ${(c.template && c.template.name) || ""}`.trim();
    case "unsupported":
      return `unsupported message (${c.unsupported_type || "unknown"})`;
    case "request_welcome":
      return `${contactName} opened the chat`;
    default:
      return body || message.type;
  }
}

export class Transcript {
  /**
   * scroller: the scrolling element; list: the <ol> of rows; olderButton, pill: buttons.
   * context: { options(), mapTemplate, agentId, contactName(), onRetry(message), loadOlder() }.
   */
  constructor({ scroller, list, olderButton, pill, context }) {
    this.scroller = scroller;
    this.list = list;
    this.olderButton = olderButton;
    this.pill = pill;
    this.context = context;
    this.messages = new Map();
    this.sessions = new Map();
    this.rows = new Map();
    this.blinking = new Map();
    this.older = null;
    this.loaded = false;
    this.pinned = true;
    this.loadingOlder = false;
    scroller.addEventListener("scroll", () => {
      this.pinned = this.distanceFromBottom() < PINNED_DISTANCE;
      if (this.distanceFromBottom() < 4) this.pill.hidden = true;
    });
    pill.addEventListener("click", () => {
      this.scrollToBottom();
      this.pill.hidden = true;
    });
    olderButton.addEventListener("click", () => this.loadOlder());
  }

  distanceFromBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight;
  }

  scrollToBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.pinned = true;
  }

  get ordered() {
    return [...this.messages.values()].sort(arrivalOrder);
  }

  /** The first transcript page (current interaction plus earlier ones). */
  load(page) {
    this.addSessions(page.interactions);
    for (const message of page.messages || []) this.put(message);
    this.older = page.older || null;
    this.loaded = true;
    this.render({ force: true });
  }

  addSessions(sessions) {
    for (const session of Object.values(sessions || {})) this.sessions.set(Number(session.id), session);
  }

  put(message) {
    const known = this.messages.get(message.id);
    const merged = mergeMessage(known, message);
    this.messages.set(message.id, merged);
    return known ? null : merged;
  }

  /** Merge messages; live ones (frames, catch-up) blink and scroll as the options say. */
  merge(messages, { live = true } = {}) {
    const added = [];
    for (const message of messages) {
      const fresh = this.put(message);
      if (fresh) added.push(fresh);
    }
    if (live && this.loaded) {
      const options = this.context.options();
      const seconds = Number(options["whatsappsession.new-message-blinking-duration"]) || 0;
      if (options["whatsappsession.new-message-blinking"] && seconds > 0) {
        for (const message of added) if (message.direction === "in") this.blink(message.id, seconds * 1000);
      }
    }
    this.render({ added: live ? added : [] });
    return added;
  }

  blink(id, ms) {
    this.blinking.set(id, Date.now() + ms);
    setTimeout(() => {
      this.blinking.delete(id);
      const row = this.rows.get(id);
      if (row) row.node.classList.remove("is-new");
    }, ms);
  }

  /** A message.status frame. */
  setStatus(id, status, error) {
    const known = this.messages.get(id);
    if (!known) return false;
    const update = { id, status };
    if (status === "failed") {
      Object.assign(update, {
        error_code: (error && error.code) ?? known.error_code,
        error_title: (error && error.title) || known.error_title || "",
        error_details: (error && error.details) || known.error_details || "",
      });
    }
    this.messages.set(id, mergeMessage(known, update));
    this.render();
    return true;
  }

  /** A message.reaction frame: one reaction per side and message; "" removes it. */
  setReaction(id, direction, emoji) {
    const known = this.messages.get(id);
    if (!known) return false;
    const reactions = (known.reactions || []).filter((r) => r.direction !== direction);
    if (emoji) reactions.push({ direction, emoji });
    this.messages.set(id, { ...known, reactions });
    this.render();
    return true;
  }

  async loadOlder() {
    if (!this.older || this.loadingOlder) return;
    this.loadingOlder = true;
    this.olderButton.disabled = true;
    this.olderButton.textContent = "loading older messages…";
    try {
      const page = await this.context.loadOlder(this.older);
      const before = { height: this.scroller.scrollHeight, top: this.scroller.scrollTop };
      this.addSessions(page.interactions);
      for (const message of page.messages || []) this.put(message);
      this.older = page.older || null;
      this.render({ keep: before });
    } catch (error) {
      this.context.onError(error);
    } finally {
      this.loadingOlder = false;
      this.olderButton.disabled = false;
      this.olderButton.textContent = "see older messages…";
      this.olderButton.hidden = !this.older;
    }
  }

  render({ added = [], force = false, keep = null } = {}) {
    const options = this.context.options();
    const delayLimit = (Number(options["whatsappsession.message-delay-timespan"]) || 0) * 1000;
    const wanted = [];
    let previousSession = null;
    let previousOrigin = null;
    let previousDay = null;
    for (const message of this.ordered) {
      const origination = toDate(message.origination_at);
      const arrival = toDate(message.arrived_at) || origination;
      const day = arrival ? arrival.toDateString() : previousDay;
      if (message.interaction_id !== previousSession) {
        // W1: the session's start date, centred, where the transcript enters another session.
        wanted.push(this.separator(message.interaction_id, message));
        previousSession = message.interaction_id;
      } else if (day !== previousDay && arrival) {
        wanted.push(this.daySeparator(arrival));
      }
      previousDay = day;
      const originSecond = origination ? Math.floor(origination.getTime() / 1000) : null;
      const flags = {
        delayed: Boolean(origination && arrival && Math.abs(arrival - origination) > delayLimit),
        // WhatsApp's timestamps have whole seconds: compare at that precision.
        outOfOrder: previousOrigin !== null && originSecond !== null && originSecond < previousOrigin,
      };
      if (originSecond !== null) previousOrigin = originSecond;
      wanted.push(this.row(message, flags));
    }
    this.reconcile(wanted);
    this.olderButton.hidden = !this.older;

    if (keep) {
      this.scroller.scrollTop = keep.top + (this.scroller.scrollHeight - keep.height);
      return;
    }
    const own = added.some((m) => m.direction === "out");
    const inbound = added.some((m) => m.direction === "in");
    if (force || own) {
      this.scrollToBottom();
    } else if (inbound) {
      if (options["whatsappsession.focus-on-new-messages"]) this.scrollToBottom();
      else if (this.distanceFromBottom() > 4) {
        this.pill.hidden = false;
        this.pinned = false;
      }
    } else if (this.pinned) {
      this.scrollToBottom();
    }
  }

  reconcile(wanted) {
    const keep = new Set(wanted);
    for (const child of [...this.list.children]) if (!keep.has(child)) child.remove();
    wanted.forEach((node, index) => {
      if (this.list.children[index] !== node) this.list.insertBefore(node, this.list.children[index] || null);
    });
    for (const [id, entry] of this.rows) if (!keep.has(entry.node)) this.rows.delete(id);
  }

  separator(interactionId, firstMessage) {
    const session = this.sessions.get(interactionId);
    const created = toDate(session && session.created_at);
    const first = toDate(firstMessage.origination_at);
    // A session starts with its first message at the latest (imported history may say otherwise).
    const started = created && first ? (first < created ? first : created) : created || first;
    const current = interactionId === this.context.interactionId;
    const label = `${current ? "Conversation started" : "Earlier conversation"} · ${dayOf(started)} ${timeOf(started)}`;
    const key = `session:${interactionId}:${label}`;
    const known = this.rows.get(key);
    if (known) return known.node;
    const node = el(
      "li",
      { class: `separator${current ? "" : " separator--earlier"}`, dataset: { interactionId: String(interactionId) } },
      el("span", { text: label, title: fullTimeOf(started) }),
    );
    this.rows.set(key, { node, key });
    return node;
  }

  daySeparator(date) {
    const label = dayOf(date);
    const key = `day:${date.toDateString()}:${label}`;
    const known = this.rows.get(key);
    if (known) return known.node;
    const node = el("li", { class: "separator separator--day" }, el("span", { text: label, title: fullTimeOf(date) }));
    this.rows.set(key, { node, key });
    return node;
  }

  row(message, flags) {
    const ctx = this.context;
    const key = JSON.stringify([
      message.type, message.body, message.content, message.attachment, message.reactions, message.quoted,
      message.revoked, message.edited, message.status === "failed", message.error_code, message.error_title,
      message.error_details, message.errors, message.origination_at, message.arrived_at, flags, ctx.mapTemplate,
      message.author_id !== ctx.agentId ? message.author_name : "", ctx.contactName(),
    ]);
    let entry = this.rows.get(message.id);
    if (!entry || entry.key !== key) {
      entry = { node: buildRow(message, flags, ctx), key };
      this.rows.set(message.id, entry);
    }
    const node = entry.node;
    node.dataset.status = message.status || "";
    node.classList.toggle("is-new", (this.blinking.get(message.id) || 0) > Date.now());
    updateTicks(node, message);
    return node;
  }

  /** Highest id of this interaction's customer messages on screen. */
  lastInboundId() {
    let best = 0;
    for (const m of this.messages.values()) {
      if (m.direction === "in" && m.interaction_id === this.context.interactionId && m.id > best) best = m.id;
    }
    return best;
  }

  last() {
    const current = this.ordered.filter((m) => m.interaction_id === this.context.interactionId);
    return current[current.length - 1] || null;
  }
}

// --- rows -----------------------------------------------------------------------------

function placement(message) {
  if (message.direction === "out" && message.status === "failed") return "center";
  if (CENTRED_TYPES.has(message.type)) return "center";
  return message.direction === "out" ? "out" : "in";
}

function buildRow(message, flags, ctx) {
  const where = placement(message);
  const row = el("li", {
    class: `row row--${where}`,
    dataset: { messageId: String(message.id), direction: message.direction, type: message.type },
  });
  if (where === "center") {
    row.append(noticeBlock(message, flags, ctx));
    return row;
  }
  // R5: another agent's message (a conference, an earlier owner) carries their name and
  // its own colour, so that whose is whose is never in doubt.
  const colleague = message.direction === "out" && message.author_id && message.author_id !== ctx.agentId && message.author_name;
  const bubble = el("div", { class: `bubble bubble--${where}${colleague ? " bubble--colleague" : ""}` });
  if (colleague) {
    row.dataset.author = message.author_name;
    bubble.append(el("div", { class: "author", text: message.author_name }));
  }
  if (message.frequently_forwarded || message.forwarded) {
    bubble.append(el("div", { class: "forwarded", text: message.frequently_forwarded ? "Forwarded many times" : "Forwarded" }));
  }
  if (message.quoted && !message.revoked) bubble.append(quoteBlock(message.quoted, ctx, message));
  bubble.append(...[contentBlock(message, ctx)].flat(Infinity).filter(Boolean));
  bubble.append(metaBlock(message, flags));
  row.append(bubble);
  if ((message.reactions || []).length) {
    row.append(
      el(
        "div",
        { class: "reactions" },
        message.reactions.map((r) =>
          el("span", {
            class: "reaction",
            text: r.emoji,
            title: r.direction === "in" ? `${ctx.contactName()} reacted` : "You reacted",
          }),
        ),
      ),
    );
  }
  return row;
}

function metaBlock(message, flags) {
  const origination = toDate(message.origination_at);
  const arrival = toDate(message.arrived_at) || origination;
  const classes = ["ts"];
  let text = timeOf(arrival);
  let title = `Arrived ${fullTimeOf(arrival)}`;
  if (flags.delayed) {
    classes.push("ts--delayed");
    text = timeOf(origination);
    title = `Arrived ${fullTimeOf(arrival)} (sent ${fullTimeOf(origination)})`;
  }
  if (flags.outOfOrder) {
    classes.push("ts--out-of-order");
    title += " · out of order: sent before the message shown above";
  }
  return el(
    "div",
    { class: "meta" },
    message.edited ? el("span", { class: "edited", text: "(edited)" }) : null,
    el("time", { class: classes.join(" "), datetime: message.arrived_at || "", title, text }),
    message.direction === "out" ? el("span", { class: "ticks" }) : null,
  );
}

function updateTicks(row, message) {
  const slot = row.querySelector(".ticks");
  if (!slot || slot.dataset.tick === message.status) return;
  const [name, label] = TICKS[message.status] || ["clock", message.status || "Pending"];
  slot.dataset.tick = message.status || "";
  slot.className = `ticks ticks--${message.status}`;
  slot.title = label;
  slot.setAttribute("aria-label", label);
  slot.setAttribute("role", "img");
  slot.replaceChildren(icon(name, "icon icon--tick"));
}

function quoteBlock(quoted, ctx, reply) {
  const who = quoted.direction === "in" ? ctx.contactName() : "You";
  const isTemplate = quoted.type === "template" || quoted.type === "interactive";
  const structure = isTemplate && quoted.direction === "out" ? quotedStructure(quoted, reply) : null;
  return el(
    "div",
    { class: `quote${isTemplate ? " quote--template" : ""}`, dataset: { quotedId: String(quoted.id || "") } },
    el("div", { class: "quote-author", text: isTemplate && quoted.direction === "out" ? "Your message" : who }),
    structure || el("div", { class: "quote-body", text: summaryOf(quoted, { contactName: ctx.contactName() }) || quoted.type }),
  );
}

/** What the customer chose in a reply: a template's quick reply or an interactive message's option. */
function choiceOf(reply) {
  const c = (reply && reply.content) || {};
  if (reply && reply.type === "button") return { texts: [c.text, c.payload, reply.body].filter(Boolean), ids: [] };
  if (reply && reply.type === "interactive") return { texts: [c.title].filter(Boolean), ids: [c.id].filter(Boolean) };
  return null;
}

/** The options a notification or interactive message offered: [{ id, text }]. */
function optionsOf(content) {
  const options = [];
  const rendered = content.rendered || {};
  const spec = content.interactive || {};
  const action = spec.action || spec;
  for (const b of rendered.buttons || []) {
    if (b.type === "url" || b.type === "phone_number") continue;
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
 * T3, T4: the notification (or interactive message) a reply answers, shown whole in the
 * quote, the customer's choice highlighted.
 */
function quotedStructure(quoted, reply) {
  const c = quoted.content || {};
  const rendered = c.rendered || null;
  const spec = c.interactive || null;
  if (!rendered && !spec) return null;
  const header = (rendered && rendered.header) || (spec && spec.header && spec.header.text) || "";
  const body = (rendered && rendered.body) || quoted.body || (spec && spec.body && spec.body.text) || "";
  const footer = (rendered && rendered.footer) || (spec && spec.footer && spec.footer.text) || "";
  const choice = choiceOf(reply);
  const options = optionsOf(c);
  const name = c.template && c.template.name;
  return el(
    "div",
    { class: "quote-structure" },
    name ? el("div", { class: "quote-label", text: `Template · ${name}` }) : null,
    header ? el("div", { class: "quote-header", text: header }) : null,
    el("div", { class: "quote-body", text: body }),
    footer ? el("div", { class: "quote-footer", text: footer }) : null,
    options.length
      ? el(
          "div",
          { class: "quote-options" },
          options.map((option) => {
            const chosen = Boolean(choice && (choice.texts.includes(option.text) || (option.id && choice.ids.includes(option.id))));
            return el(
              "span",
              { class: `quote-option${chosen ? " quote-option--chosen" : ""}`, title: chosen ? "The customer's choice" : null },
              chosen ? icon("check", "icon icon--choice") : null,
              option.text,
              chosen ? el("span", { class: "sr-only", text: " (chosen)" }) : null,
            );
          }),
        )
      : null,
  );
}

function noticeBlock(message, flags, ctx) {
  const c = message.content || {};
  if (message.direction === "out" && message.status === "failed") {
    const title = message.error_title ? `Not delivered: ${message.error_title}` : "Not delivered";
    return el(
      "div",
      { class: "notice notice--error", role: "group", "aria-label": "Message not delivered" },
      el("div", { class: "notice-title" }, icon("alert"), el("span", { text: title }),
        message.error_code ? el("span", { class: "notice-code", text: ` (${message.error_code})` }) : null),
      message.error_details ? el("div", { class: "notice-details", text: message.error_details }) : null,
      el("div", { class: "notice-quote", text: `“${summaryOf(message)}”` }),
      el(
        "div",
        { class: "notice-actions" },
        el("button", { type: "button", class: "btn btn--small retry", onclick: (event) => ctx.onRetry(message, event.currentTarget) },
          icon("retry"), "Retry"),
        metaBlock(message, flags),
      ),
    );
  }
  const errors = Array.isArray(message.errors) ? message.errors : [];
  let text;
  let kind = "info";
  if (message.type === "unsupported") {
    text = `unsupported message (${c.unsupported_type || "unknown"})`;
    kind = "error";
  } else if (message.type === "request_welcome") {
    text = `${ctx.contactName()} opened the chat`;
  } else {
    text = message.body || c.body || "System message";
  }
  return el(
    "div",
    { class: `notice notice--${kind}` },
    el("div", { class: "notice-title" }, kind === "error" ? icon("alert") : null, el("span", { text })),
    errors.map((e) =>
      el("div", { class: "notice-details", text: [e.title, e.message, e.error_data && e.error_data.details].filter(Boolean).join(" — ") + (e.code ? ` (${e.code})` : "") }),
    ),
    metaBlock(message, flags),
  );
}

function textBlock(text, className = "text") {
  return text ? el("div", { class: className }, linkify(text)) : null;
}

function contentBlock(message, ctx) {
  const c = message.content || {};
  if (message.revoked) return el("div", { class: "deleted", text: "message deleted" });
  if (MEDIA_KINDS.has(message.type)) return [mediaBlock(message), textBlock(message.body, "text caption")];
  switch (message.type) {
    case "text":
      return textBlock(message.body);
    case "location":
      return locationBlock(c, ctx.mapTemplate);
    case "contacts":
      return contactsBlock(c.contacts);
    case "interactive":
      return message.direction === "in" ? choiceBlock(message) : outboundInteractiveBlock(message);
    case "button":
      return el("div", { class: "choice choice--tapped" },
        el("span", { class: "choice-label", text: "tapped:" }), " ", el("strong", { text: c.text || message.body }));
    case "template":
      return [
        el("div", {
          class: "template-label",
          text: c.notification_fallback
            ? "Sent as a notification (the response window had ended)"
            : `Template · ${(c.template && c.template.name) || ""}`,
        }),
        c.rendered && !c.notification_fallback
          ? renderedBlock(message, c.rendered)
          : textBlock(message.body) || templateParameters(c.template),
      ];
    case "order":
      return [el("div", { class: "template-label", text: "Order" }), textBlock(message.body)];
    default:
      return textBlock(message.body) || el("div", { class: "muted", text: `[${message.type}]` });
  }
}

/** A template sent without its rendered text: its parameter values, in order. */
function templateParameters(template) {
  const values = [];
  for (const component of (template && template.components) || []) {
    for (const parameter of component.parameters || []) if (parameter.type === "text" && parameter.text) values.push(parameter.text);
  }
  return values.length ? el("div", { class: "text template-params", text: values.join(" · ") }) : null;
}

function choiceBlock(message) {
  const c = message.content || {};
  if (c.reply_type === "nfm_reply") {
    return [el("div", { class: "choice" }, el("span", { class: "choice-label", text: "answered the form:" }), " ",
      el("strong", { text: c.name || "form" })), textBlock(message.body)];
  }
  return el(
    "div",
    { class: "choice choice--chosen" },
    el("span", { class: "choice-label", text: "chose:" }),
    " ",
    el("strong", { text: c.title || message.body }),
    c.description ? el("div", { class: "choice-description", text: c.description }) : null,
  );
}

function outboundInteractiveBlock(message) {
  const spec = (message.content && message.content.interactive) || {};
  // The API's short form ({type, buttons: [{id, title}], sections}) or Cloud API's ({action: …}).
  const action = spec.action || spec;
  const options = [];
  for (const button of action.buttons || []) options.push((button.reply && button.reply.title) || button.title || "");
  for (const section of action.sections || []) for (const r of section.rows || []) options.push(r.title || "");
  const header = spec.header && spec.header.type === "text" ? spec.header.text : "";
  const list = spec.type === "list" ? action.button || (spec.button) || "" : "";
  return [
    headerMedia(message),
    header ? el("div", { class: "tpl-header", text: header }) : null,
    textBlock(message.body || (spec.body && spec.body.text) || ""),
    spec.footer && spec.footer.text ? el("div", { class: "tpl-footer", text: spec.footer.text }) : null,
    list ? el("div", { class: "list-label" }, icon("list"), el("span", { text: list })) : null,
    options.length ? el("div", { class: "options" }, options.map((t) => el("span", { class: "option", text: t }))) : null,
  ];
}

/** A template's or interactive message's media header: the message's attachment. */
function headerMedia(message) {
  const a = message.attachment;
  return a ? mediaBlock({ ...message, type: a.kind || "document" }) : null;
}

/** A dynamic website button's URL with the suffix the agent filled in (its {{1}}). */
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

/** T2, T3: a notification as the customer reads it: header, body, footer, buttons. */
function renderedBlock(message, rendered) {
  const buttons = rendered.buttons || [];
  return [
    headerMedia(message),
    typeof rendered.header === "string" && rendered.header ? el("div", { class: "tpl-header", text: rendered.header }) : null,
    textBlock(rendered.body || message.body),
    rendered.footer ? el("div", { class: "tpl-footer", text: rendered.footer }) : null,
    buttons.length
      ? el(
          "div",
          { class: "options" },
          buttons.map((b, index) => {
            if (!b || !b.text) return null;
            if (b.type === "url") {
              const url = filledUrl(b.url, message.content && message.content.template, index);
              return el("span", { class: "option option--link", title: url }, icon("external"), b.text);
            }
            if (b.type === "phone_number") return el("span", { class: "option option--link", title: b.phone_number || "" }, icon("phone"), b.text);
            return el("span", { class: "option" }, b.text);
          }),
        )
      : null,
  ];
}

function mediaBlock(message) {
  const a = message.attachment;
  const kind = message.type;
  if (!a || a.state === "pending") {
    return el("div", { class: "media-pending" }, icon(kind === "document" ? "doc" : kind === "audio" ? "audio" : kind === "video" ? "video" : "image"),
      el("span", { text: "downloading…" }), a && a.file_name ? el("span", { class: "muted", text: a.file_name }) : null);
  }
  if (a.state === "failed" || !a.url) {
    return el("div", { class: "media-pending media-failed" }, icon("alert"), el("span", { text: a.notice || "the file could not be downloaded" }));
  }
  const url = safeUrl(a.url);
  const save = url ? `${url}${url.includes("?") ? "&" : "?"}download=1` : null;
  const saveLink = save
    ? el("a", { class: "media-save", href: save, download: a.file_name || "", title: "Save", "aria-label": `Save ${a.file_name || kind}` }, icon("download"))
    : null;
  if (kind === "image" || kind === "sticker") {
    const src = safeUrl(a.thumbnail_url) || url;
    const image = el("img", { class: kind === "sticker" ? "sticker" : "thumb", src, alt: message.body || (kind === "sticker" ? "Sticker" : "Image"), loading: "lazy" });
    return el("div", { class: "media media--image" }, link(url, image, { class: "media-open", title: "Open full size" }), saveLink);
  }
  if (kind === "video") {
    return el("div", { class: "media media--video" }, el("video", { src: url, controls: true, preload: "metadata" }), saveLink);
  }
  if (kind === "audio") {
    return el("div", { class: "media media--audio" },
      el("audio", { src: url, controls: true, preload: "metadata", "aria-label": a.voice ? "Voice message" : "Audio" }), saveLink);
  }
  return el(
    "div",
    { class: "media media--document" },
    el("span", { class: "doc-icon" }, icon("doc")),
    el("span", { class: "doc-text" },
      link(url, a.file_name || "document", { class: "doc-name" }),
      el("span", { class: "doc-size", text: [humanSize(a.size), (a.mime_type || "").split("/").pop()].filter(Boolean).join(" · ") })),
    saveLink,
  );
}

/** W10: a static map image when a provider is configured, else a link; and the details. */
export function locationBlock(c, mapTemplate) {
  const lat = Number(c.latitude);
  const lon = Number(c.longitude);
  const valid = c.latitude !== undefined && c.longitude !== undefined && Number.isFinite(lat) && Number.isFinite(lon);
  const osm = valid
    ? `https://www.openstreetmap.org/?mlat=${encodeURIComponent(lat)}&mlon=${encodeURIComponent(lon)}#map=16/${encodeURIComponent(lat)}/${encodeURIComponent(lon)}`
    : null;
  const target = safeUrl(c.url) || osm;
  let preview = null;
  if (valid && mapTemplate) {
    const src = safeUrl(
      String(mapTemplate)
        .replaceAll("{latitude}", encodeURIComponent(String(lat)))
        .replaceAll("{longitude}", encodeURIComponent(String(lon)))
        .replaceAll("{zoom}", "15"),
    );
    if (src) {
      const image = el("img", { class: "map", src, alt: `Map of ${c.name || c.address || "the location"}`, loading: "lazy" });
      preview = target ? link(target, image, { class: "map-link" }) : image;
    }
  }
  return el(
    "div",
    { class: "location" },
    preview,
    el(
      "div",
      { class: "location-text" },
      el("span", { class: "location-pin" }, icon("pin")),
      el(
        "div",
        {},
        c.name ? el("strong", { class: "location-name", text: c.name }) : el("strong", { text: "Location" }),
        c.address ? el("div", { class: "location-address", text: c.address }) : null,
        c.url ? el("div", { class: "location-url" }, link(c.url, c.url)) : null,
        valid ? el("div", { class: "location-coords muted", text: `${lat.toFixed(5)}, ${lon.toFixed(5)}` }) : null,
        !preview && osm ? el("div", {}, link(osm, "Open in OpenStreetMap", { class: "location-open" })) : null,
      ),
    ),
  );
}

function contactsBlock(contacts) {
  return el(
    "div",
    { class: "shared-contacts" },
    (Array.isArray(contacts) ? contacts : []).map((contact) =>
      el(
        "div",
        { class: "shared-contact" },
        icon("user"),
        el(
          "div",
          {},
          el("strong", { text: (contact.name && contact.name.formatted_name) || "Contact" }),
          (contact.phones || []).map((p) => el("div", { class: "muted", text: p.phone || p.wa_id || "" })),
          (contact.emails || []).map((e) => el("div", { class: "muted", text: e.email || "" })),
        ),
      ),
    ),
  );
}
