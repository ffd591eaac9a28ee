// Builds the phone page's chat bubbles. Every piece of data goes in through textContent or
// a checked URL attribute: never innerHTML, so nothing a business or customer writes can
// become markup or script.

import { gettext, pgettext } from "./i18n.js";
import { contactsOf, contentOf, summary } from "./model.js";

/** @import { CloudContact, CloudHeader, CloudLocation, PhoneMessage } from "./types.js" */

const SAFE_LINK = /^(https?:|tel:)/i;
const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/gi;
export const REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🙏"];

/**
 * What a message's buttons do (phone.js posts the customer's action).
 * @typedef {object} Hooks
 * @property {(message: PhoneMessage, replyId: string) => void} buttonReply
 * @property {(message: PhoneMessage, replyId: string) => void} listReply
 * @property {(message: PhoneMessage, index: number) => void} quickReply
 * @property {(message: PhoneMessage) => void} played
 * @property {(message: PhoneMessage) => void} replyTo
 * @property {(message: PhoneMessage, anchor: HTMLElement) => void} openReactions
 */

/**
 * What a bubble shows besides its message.
 * @typedef {object} BubbleContext
 * @property {Map<string, PhoneMessage>} byWamid
 * @property {string} businessName
 * @property {string} reaction the other side's reaction to it
 * @property {string | number | undefined} chosen the option a reply chose
 */

/** @typedef {Node | string | null | undefined | false | Child[]} Child */

/**
 * Create an element: props set attributes (text → textContent, on<event> → listener).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, unknown>} [props]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = String(value);
    else if (key === "text") node.textContent = String(value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  appendChildren(node, children);
  return node;
}

/** One level of lists, as Array.prototype.flat() (deeper lists are not used). @param {Element} node @param {Child[]} children */
function appendChildren(node, children) {
  for (const item of children) {
    for (const child of Array.isArray(item) ? item : [item]) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
}

/** The URL if it is http(s) (or tel:), else null: a javascript: link never reaches an attribute. @param {unknown} value */
export function safeUrl(value) {
  if (typeof value !== "string" || !value) return null;
  try {
    const url = new URL(value, window.location.href);
    return SAFE_LINK.test(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/** Text with its http(s) URLs as links (text nodes and anchors, never parsed HTML). @param {string | null | undefined} text */
export function linkified(text) {
  const source = String(text ?? "");
  /** @type {Node[]} */
  const nodes = [];
  let last = 0;
  for (const match of source.matchAll(URL_IN_TEXT)) {
    const index = match.index ?? 0;
    if (index > last) nodes.push(document.createTextNode(source.slice(last, index)));
    const href = safeUrl(match[0]);
    nodes.push(href ? link(href, match[0]) : document.createTextNode(match[0]));
    last = index + match[0].length;
  }
  if (last < source.length) nodes.push(document.createTextNode(source.slice(last)));
  return nodes;
}

/** @param {string} href @param {string} label @param {Record<string, unknown>} [extra] */
function link(href, label, extra = {}) {
  return el("a", { href, target: "_blank", rel: "noopener noreferrer nofollow", text: label, ...extra });
}

/** @param {string | null | undefined} text */
function paragraph(text, cls = "sbx-text") {
  return text ? el("div", { class: cls, dir: "auto" }, linkified(text)) : null;
}

/** @param {string} iso */
export function timeOf(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** @param {string} iso */
export function dayOf(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const today = new Date();
  if (date.toDateString() === today.toDateString()) return gettext("Today");
  return date.toLocaleDateString([], { year: "numeric", month: "long", day: "numeric" });
}

/**
 * @param {string} kind
 * @param {string | null | undefined} url
 * @param {{ caption?: string, filename?: string }} content
 * @param {Hooks} hooks
 * @param {PhoneMessage} message
 */
function mediaBlock(kind, url, content, hooks, message) {
  if (!url) return el("div", { class: "sbx-media-missing", text: `[${kind}]` });
  const href = safeUrl(url);
  if (!href) return el("div", { class: "sbx-media-missing", text: `[${kind}]` });
  switch (kind) {
    case "image":
    case "sticker":
      return el("a", { href, target: "_blank", rel: "noopener noreferrer" },
        el("img", { src: href, alt: content.caption || kind, class: kind === "sticker" ? "sbx-sticker" : "sbx-image", loading: "lazy" }));
    case "video":
      return el("video", { src: href, controls: true, preload: "metadata", class: "sbx-video" });
    case "audio":
      return el("audio", { src: href, controls: true, preload: "metadata", class: "sbx-audio",
        onplay: () => hooks.played && hooks.played(message) });
    default: {
      const name = content.filename || gettext("Document");
      return el("a", { href, class: "sbx-document", download: name, target: "_blank", rel: "noopener noreferrer" },
        el("span", { class: "sbx-document-icon", "aria-hidden": "true", text: "📄" }), el("span", { text: name }));
    }
  }
}

/** @param {CloudLocation} location */
function locationBlock(location) {
  const lat = Number(location.latitude);
  const lon = Number(location.longitude);
  const map = `https://www.openstreetmap.org/?mlat=${encodeURIComponent(lat)}&mlon=${encodeURIComponent(lon)}#map=16/${encodeURIComponent(lat)}/${encodeURIComponent(lon)}`;
  return el("div", { class: "sbx-location" },
    el("div", { class: "sbx-location-pin", "aria-hidden": "true", text: "📍" }),
    el("div", {},
      location.name ? el("strong", { text: location.name }) : null,
      location.address ? el("div", { text: location.address }) : null,
      el("div", { class: "sbx-muted", text: `${lat.toFixed(5)}, ${lon.toFixed(5)}` }),
      link(map, gettext("Open map"))));
}

/** @param {CloudContact[]} contacts */
function contactsBlock(contacts) {
  return el("div", { class: "sbx-contacts" }, (Array.isArray(contacts) ? contacts : []).map((contact) =>
    el("div", { class: "sbx-contact" },
      el("strong", { text: `👤 ${(contact.name && contact.name.formatted_name) || gettext("Contact")}` }),
      (contact.phones || []).map((phone) => el("div", { class: "sbx-muted", text: phone.phone || phone.wa_id || "" })))));
}

/**
 * @param {CloudHeader | null | undefined} header
 * @param {string | null | undefined} url
 * @param {Hooks} hooks
 * @param {PhoneMessage} message
 */
function headerBlock(header, url, hooks, message) {
  if (!header) return null;
  if (header.type === "text") return el("div", { class: "sbx-header-text-block", text: header.text || "" });
  if (header.type === "location") return locationBlock(header.location || {});
  const kind = header.type || "document";
  const media = header[kind];
  return mediaBlock(kind, url, media && typeof media === "object" ? media : {}, hooks, message);
}

/** @param {string | undefined} label @param {boolean} chosen @param {() => void} onclick */
function choiceButton(label, chosen, onclick) {
  return el("button", { type: "button", class: `sbx-choice${chosen ? " sbx-choice--chosen" : ""}`,
    "aria-pressed": chosen ? "true" : "false", onclick }, label);
}

/** @param {PhoneMessage} message @param {BubbleContext} ctx @param {Hooks} hooks */
function templateBlock(message, ctx, hooks) {
  const r = message.rendered || {};
  return [
    headerBlock(r.header, message.media_url, hooks, message),
    paragraph(r.body),
    r.footer ? el("div", { class: "sbx-footer", text: r.footer }) : null,
    (r.buttons || []).length ? el("div", { class: "sbx-choices" }, (r.buttons || []).map((button, index) => {
      if (button.type === "quick_reply") {
        return choiceButton(button.text, ctx.chosen === index, () => hooks.quickReply(message, index));
      }
      const url = button.type === "url" ? safeUrl(button.url) : null;
      if (url) return link(url, `↗ ${button.text}`, { class: "sbx-choice" });
      if (button.type === "phone_number") {
        const number = String(button.phone_number || "").replace(/[^+\d]/g, "");
        return el("a", { class: "sbx-choice", href: `tel:${number}`, text: `📞 ${button.text}` });
      }
      return el("span", { class: "sbx-choice sbx-choice--static", text: button.code ? `${button.text}: ${button.code}` : button.text });
    })) : null,
  ];
}

/** @param {PhoneMessage} message @param {BubbleContext} ctx @param {Hooks} hooks */
function interactiveBlock(message, ctx, hooks) {
  const c = contentOf(message);
  const action = c.action || {};
  const parts = [
    headerBlock(c.header, message.media_url, hooks, message),
    paragraph(typeof c.body === "object" ? c.body.text : undefined),
    c.footer ? el("div", { class: "sbx-footer", text: c.footer.text || "" }) : null,
  ];
  if (c.type === "button") {
    parts.push(el("div", { class: "sbx-choices" }, (action.buttons || []).map((button) => {
      const reply = button.reply || {};
      return choiceButton(reply.title, ctx.chosen === reply.id, () => hooks.buttonReply(message, reply.id || ""));
    })));
  } else if (c.type === "list") {
    const rows = el("div", { class: "sbx-list", hidden: true }, (action.sections || []).map((section) =>
      el("div", { class: "sbx-list-section" },
        section.title ? el("div", { class: "sbx-list-title", text: section.title }) : null,
        (section.rows || []).map((row) => el("button", {
          type: "button",
          class: `sbx-list-row${ctx.chosen === row.id ? " sbx-choice--chosen" : ""}`,
          onclick: () => hooks.listReply(message, row.id || ""),
        }, el("span", { text: row.title }), row.description ? el("small", { text: row.description }) : null)))));
    const toggle = el("button", { type: "button", class: "sbx-choice", "aria-expanded": "false",
      onclick: () => {
        rows.hidden = !rows.hidden;
        toggle.setAttribute("aria-expanded", String(!rows.hidden));
      } }, `☰ ${action.button || gettext("Options")}`);
    parts.push(el("div", { class: "sbx-choices" }, toggle), rows);
  } else if (c.type === "cta_url") {
    const params = action.parameters || {};
    const href = safeUrl(params.url);
    parts.push(el("div", { class: "sbx-choices" }, href ? link(href, `↗ ${params.display_text}`, { class: "sbx-choice" }) : null));
  }
  return parts;
}

/** @param {PhoneMessage} message */
function customerReplyBlock(message) {
  const c = contentOf(message);
  /** @type {{ title?: string, description?: string }} */
  const reply = c.button_reply || c.list_reply || {};
  return [el("div", { class: "sbx-text" }, reply.title || ""), reply.description ? el("div", { class: "sbx-muted", text: reply.description }) : null];
}

/** @param {PhoneMessage} message @param {BubbleContext} ctx @param {Hooks} hooks @returns {Child} */
function contentBlock(message, ctx, hooks) {
  const c = contentOf(message);
  switch (message.type) {
    case "text": return paragraph(typeof c.body === "string" ? c.body : undefined);
    case "image":
    case "video":
    case "audio":
    case "document":
    case "sticker":
      return [mediaBlock(message.type, message.media_url, c, hooks, message), paragraph(c.caption)];
    case "location": return locationBlock(c);
    case "contacts": return contactsBlock(contactsOf(message));
    case "template": return templateBlock(message, ctx, hooks);
    case "interactive":
      return message.direction === "customer" ? customerReplyBlock(message) : interactiveBlock(message, ctx, hooks);
    case "button": return paragraph(c.text);
    default: return el("div", { class: "sbx-muted", text: gettext("[%(type)s message]", { type: message.type }) });
  }
}

/** @param {PhoneMessage} message */
function ticks(message) {
  if (message.webhook_status === null || message.webhook_status === undefined || message.webhook_status >= 300) {
    const why = message.webhook_error || (message.webhook_status
      ? gettext("webhook answered %(status)s", { status: message.webhook_status })
      : gettext("webhook not reached"));
    return el("span", { class: "sbx-ticks sbx-ticks--failed", title: why, text: "!" });
  }
  const read = message.read_by_business;
  return el("span", { class: `sbx-ticks${read ? " sbx-ticks--read" : ""}`, title: read ? pgettext("message status", "Read") : pgettext("message status", "Delivered"), text: "✓✓" });
}

/** A chat row: one bubble, with its quote, reactions and actions. @param {PhoneMessage} message @param {BubbleContext} ctx @param {Hooks} hooks */
export function renderMessage(message, ctx, hooks) {
  if (message.direction === "business" && message.error) {
    const e = message.error;
    return el("div", { class: "sbx-note sbx-note--error" },
      el("strong", { text: gettext("Not delivered (%(code)s %(title)s)", { code: e.code, title: e.title }) }), el("div", { text: e.details || "" }),
      el("div", { class: "sbx-muted", text: gettext("“%(message)s” · sandbox notice, not shown on a real phone", { message: summary(message) }) }));
  }
  const mine = message.direction === "customer";
  const quoted = message.context_wamid ? ctx.byWamid.get(message.context_wamid) : null;
  const bubble = el("div", { class: "sbx-bubble" },
    message.context_wamid ? el("div", { class: "sbx-quote" },
      el("strong", { text: quoted ? (quoted.direction === "customer" ? gettext("You") : ctx.businessName) : "" }),
      el("div", { text: quoted ? summary(quoted) : gettext("Message") })) : null,
    contentBlock(message, ctx, hooks),
    el("div", { class: "sbx-meta" }, el("time", { datetime: message.timestamp, text: timeOf(message.timestamp) }), mine ? ticks(message) : null),
    ctx.reaction ? el("div", { class: "sbx-reaction", title: gettext("Reaction"), text: ctx.reaction }) : null);
  const actions = el("div", { class: "sbx-actions" },
    el("button", { type: "button", class: "sbx-action", title: gettext("Reply"), "aria-label": gettext("Reply"), text: "↩", onclick: () => hooks.replyTo(message) }),
    mine ? null : el("button", { type: "button", class: "sbx-action", title: gettext("React"), "aria-label": gettext("React"), text: "☺",
      onclick: (/** @type {MouseEvent} */ event) => {
        if (event.currentTarget instanceof HTMLElement) hooks.openReactions(message, event.currentTarget);
      } }));
  return el("div", { class: `sbx-row ${mine ? "sbx-row--out" : "sbx-row--in"}`, dataset: { id: String(message.id) } }, bubble, actions);
}

/** The emoji picker shown under a business message; the current emoji again removes it. @param {string} current @param {(emoji: string) => void} onpick */
export function reactionPicker(current, onpick) {
  return el("div", { class: "sbx-picker", role: "menu" }, REACTIONS.map((emoji) =>
    el("button", { type: "button", role: "menuitem", class: emoji === current ? "sbx-picker--current" : "",
      title: emoji === current ? gettext("Remove reaction") : gettext("React"), text: emoji, onclick: () => onpick(emoji) })));
}
