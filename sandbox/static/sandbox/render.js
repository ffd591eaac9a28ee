// Builds the phone page's chat bubbles. Every piece of data goes in through textContent or
// a checked URL attribute: never innerHTML, so nothing a business or customer writes can
// become markup or script.

const SAFE_LINK = /^(https?:|tel:)/i;
const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/gi;
export const REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🙏"];

/** Create an element: props set attributes (text → textContent, on<event> → listener). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** The URL if it is http(s) (or tel:), else null: a javascript: link never reaches an attribute. */
export function safeUrl(value) {
  if (typeof value !== "string" || !value) return null;
  try {
    const url = new URL(value, window.location.href);
    return SAFE_LINK.test(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/** Text with its http(s) URLs as links (text nodes and anchors, never parsed HTML). */
export function linkified(text) {
  const nodes = [];
  let last = 0;
  for (const match of String(text ?? "").matchAll(URL_IN_TEXT)) {
    if (match.index > last) nodes.push(document.createTextNode(text.slice(last, match.index)));
    const href = safeUrl(match[0]);
    nodes.push(href ? link(href, match[0]) : document.createTextNode(match[0]));
    last = match.index + match[0].length;
  }
  if (last < String(text ?? "").length) nodes.push(document.createTextNode(String(text).slice(last)));
  return nodes;
}

function link(href, label, extra = {}) {
  return el("a", { href, target: "_blank", rel: "noopener noreferrer nofollow", text: label, ...extra });
}

function paragraph(text, cls = "sbx-text") {
  return text ? el("div", { class: cls }, linkified(text)) : null;
}

export function timeOf(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function dayOf(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const today = new Date();
  if (date.toDateString() === today.toDateString()) return "Today";
  return date.toLocaleDateString([], { year: "numeric", month: "long", day: "numeric" });
}

/** A one-line description of a message, for quotes and the reply bar. */
export function summary(message) {
  if (!message) return "Message";
  const c = message.content || {};
  switch (message.type) {
    case "text": return c.body || "";
    case "image": return c.caption ? `📷 ${c.caption}` : "📷 Photo";
    case "video": return c.caption ? `🎥 ${c.caption}` : "🎥 Video";
    case "audio": return "🎤 Audio";
    case "document": return `📄 ${c.filename || c.caption || "Document"}`;
    case "sticker": return "Sticker";
    case "location": return `📍 ${c.name || c.address || "Location"}`;
    case "contacts": return `👤 ${(c[0] && c[0].name && c[0].name.formatted_name) || "Contact"}`;
    case "template": return (message.rendered && message.rendered.body) || "Template";
    case "interactive":
      if (c.button_reply) return c.button_reply.title;
      if (c.list_reply) return c.list_reply.title;
      return (c.body && c.body.text) || "Interactive message";
    case "button": return c.text || "";
    default: return message.type;
  }
}

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
      const name = content.filename || "Document";
      return el("a", { href, class: "sbx-document", download: name, target: "_blank", rel: "noopener noreferrer" },
        el("span", { class: "sbx-document-icon", "aria-hidden": "true", text: "📄" }), el("span", { text: name }));
    }
  }
}

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
      link(map, "Open map")));
}

function contactsBlock(contacts) {
  return el("div", { class: "sbx-contacts" }, (Array.isArray(contacts) ? contacts : []).map((contact) =>
    el("div", { class: "sbx-contact" },
      el("strong", { text: `👤 ${(contact.name && contact.name.formatted_name) || "Contact"}` }),
      (contact.phones || []).map((phone) => el("div", { class: "sbx-muted", text: phone.phone || phone.wa_id || "" })))));
}

function headerBlock(header, url, hooks, message) {
  if (!header) return null;
  if (header.type === "text") return el("div", { class: "sbx-header-text-block", text: header.text || "" });
  if (header.type === "location") return locationBlock(header.location || {});
  return mediaBlock(header.type, url, header[header.type] || {}, hooks, message);
}

function choiceButton(label, chosen, onclick) {
  return el("button", { type: "button", class: `sbx-choice${chosen ? " sbx-choice--chosen" : ""}`,
    "aria-pressed": chosen ? "true" : "false", onclick }, label);
}

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
      if (button.type === "url" && safeUrl(button.url)) return link(safeUrl(button.url), `↗ ${button.text}`, { class: "sbx-choice" });
      if (button.type === "phone_number") {
        const number = String(button.phone_number || "").replace(/[^+\d]/g, "");
        return el("a", { class: "sbx-choice", href: `tel:${number}`, text: `📞 ${button.text}` });
      }
      return el("span", { class: "sbx-choice sbx-choice--static", text: button.code ? `${button.text}: ${button.code}` : button.text });
    })) : null,
  ];
}

function interactiveBlock(message, ctx, hooks) {
  const c = message.content || {};
  const action = c.action || {};
  const parts = [
    headerBlock(c.header, message.media_url, hooks, message),
    paragraph(c.body && c.body.text),
    c.footer ? el("div", { class: "sbx-footer", text: c.footer.text || "" }) : null,
  ];
  if (c.type === "button") {
    parts.push(el("div", { class: "sbx-choices" }, (action.buttons || []).map((button) => {
      const reply = button.reply || {};
      return choiceButton(reply.title, ctx.chosen === reply.id, () => hooks.buttonReply(message, reply.id));
    })));
  } else if (c.type === "list") {
    const rows = el("div", { class: "sbx-list", hidden: true }, (action.sections || []).map((section) =>
      el("div", { class: "sbx-list-section" },
        section.title ? el("div", { class: "sbx-list-title", text: section.title }) : null,
        (section.rows || []).map((row) => el("button", {
          type: "button",
          class: `sbx-list-row${ctx.chosen === row.id ? " sbx-choice--chosen" : ""}`,
          onclick: () => hooks.listReply(message, row.id),
        }, el("span", { text: row.title }), row.description ? el("small", { text: row.description }) : null)))));
    const toggle = el("button", { type: "button", class: "sbx-choice", "aria-expanded": "false",
      onclick: () => {
        rows.hidden = !rows.hidden;
        toggle.setAttribute("aria-expanded", String(!rows.hidden));
      } }, `☰ ${action.button || "Options"}`);
    parts.push(el("div", { class: "sbx-choices" }, toggle), rows);
  } else if (c.type === "cta_url") {
    const params = action.parameters || {};
    const href = safeUrl(params.url);
    parts.push(el("div", { class: "sbx-choices" }, href ? link(href, `↗ ${params.display_text}`, { class: "sbx-choice" }) : null));
  }
  return parts;
}

function customerReplyBlock(message, ctx) {
  const c = message.content || {};
  const reply = c.button_reply || c.list_reply || {};
  return [el("div", { class: "sbx-text" }, reply.title || ""), reply.description ? el("div", { class: "sbx-muted", text: reply.description }) : null];
}

function contentBlock(message, ctx, hooks) {
  const c = message.content || {};
  switch (message.type) {
    case "text": return paragraph(c.body);
    case "image":
    case "video":
    case "audio":
    case "document":
    case "sticker":
      return [mediaBlock(message.type, message.media_url, c, hooks, message), paragraph(c.caption)];
    case "location": return locationBlock(c);
    case "contacts": return contactsBlock(c);
    case "template": return templateBlock(message, ctx, hooks);
    case "interactive":
      return message.direction === "customer" ? customerReplyBlock(message, ctx) : interactiveBlock(message, ctx, hooks);
    case "button": return paragraph(c.text);
    default: return el("div", { class: "sbx-muted", text: `[${message.type} message]` });
  }
}

function ticks(message) {
  if (message.webhook_status === null || message.webhook_status === undefined || message.webhook_status >= 300) {
    const why = message.webhook_error || (message.webhook_status ? `webhook answered ${message.webhook_status}` : "webhook not reached");
    return el("span", { class: "sbx-ticks sbx-ticks--failed", title: why, text: "!" });
  }
  const read = message.read_by_business;
  return el("span", { class: `sbx-ticks${read ? " sbx-ticks--read" : ""}`, title: read ? "Read" : "Delivered", text: "✓✓" });
}

/** A chat row: one bubble, with its quote, reactions and actions. */
export function renderMessage(message, ctx, hooks) {
  if (message.direction === "business" && message.error) {
    const e = message.error;
    return el("div", { class: "sbx-note sbx-note--error" },
      el("strong", { text: `Not delivered (${e.code} ${e.title})` }), el("div", { text: e.details || "" }),
      el("div", { class: "sbx-muted", text: `“${summary(message)}” · sandbox notice, not shown on a real phone` }));
  }
  const mine = message.direction === "customer";
  const quoted = message.context_wamid ? ctx.byWamid.get(message.context_wamid) : null;
  const bubble = el("div", { class: "sbx-bubble" },
    message.context_wamid ? el("div", { class: "sbx-quote" },
      el("strong", { text: quoted ? (quoted.direction === "customer" ? "You" : ctx.businessName) : "" }),
      el("div", { text: quoted ? summary(quoted) : "Message" })) : null,
    contentBlock(message, ctx, hooks),
    el("div", { class: "sbx-meta" }, el("time", { datetime: message.timestamp, text: timeOf(message.timestamp) }), mine ? ticks(message) : null),
    ctx.reaction ? el("div", { class: "sbx-reaction", title: "Reaction", text: ctx.reaction }) : null);
  const actions = el("div", { class: "sbx-actions" },
    el("button", { type: "button", class: "sbx-action", title: "Reply", "aria-label": "Reply", text: "↩", onclick: () => hooks.replyTo(message) }),
    mine ? null : el("button", { type: "button", class: "sbx-action", title: "React", "aria-label": "React", text: "☺",
      onclick: (event) => hooks.openReactions(message, event.currentTarget) }));
  return el("div", { class: `sbx-row ${mine ? "sbx-row--out" : "sbx-row--in"}`, dataset: { id: String(message.id) } }, bubble, actions);
}

/** The emoji picker shown under a business message; the current emoji again removes it. */
export function reactionPicker(current, onpick) {
  return el("div", { class: "sbx-picker", role: "menu" }, REACTIONS.map((emoji) =>
    el("button", { type: "button", role: "menuitem", class: emoji === current ? "sbx-picker--current" : "",
      title: emoji === current ? "Remove reaction" : "React", text: emoji, onclick: () => onpick(emoji) })));
}
