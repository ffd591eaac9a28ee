// W1, W2, W9, W10, M1, T2-T4: how one message of the transcript looks: its row (left for
// the customer, right for the agents, centred for errors and notices), its bubble, file,
// location, quote, reactions, time and delivery ticks. Every piece of data goes in through
// textContent or a checked URL (dom.js).

import { el, link, linkify, safeUrl } from "./dom.js";
import { FILE_TYPES, fileDetails, fileTypeOf } from "./files.js";
import { fullTimeOf, timeOf, toDate } from "./format.js";
import { icon } from "./icons.js";
import { colleagueOf } from "./identity.js";
import {
  choiceOf, errorLine, filledUrl, MEDIA_KINDS, noticeOf, optionsOf, placement, summaryOf, waitingLabel,
} from "./messages.js";
import { fmt, gettext } from "./i18n.js";

/** @import { Attachment, Message, MessageContent, Quoted, Reaction, Rendered, SharedContact, TemplateComponent } from "./types.js" */

/**
 * What a row needs besides the message.
 * @typedef {object} RowContext
 * @property {number} agentId this agent (their messages carry no name)
 * @property {string} mapTemplate W10: the static map provider's URL template ("" for none)
 * @property {() => string} contactName the customer's name as the console shows it
 * @property {(message: Message, button: HTMLButtonElement) => void} onRetry a failed message's Retry
 * @property {(message: Message) => void} [onReply] U1: quote this message in the next reply
 *   (the tab ignores it while the agent may not write: read only, window closed)
 * @property {(message: Message, emoji: string) => Promise<unknown>} [onReact] U1: react to a
 *   customer's message ("" removes the reaction); the button shows while the server allows it
 * @property {number} [interactionId] the tab's interaction: React only on its own messages
 */

/** U1: the reactions the picker offers. */
export const REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🙏"];

/**
 * W2: how its time is shown.
 * @typedef {{ delayed: boolean, outOfOrder: boolean }} TimeFlags
 */

/** @type {Record<string, [string, string]>} */
const TICKS = {
  queued: ["clock", gettext("Queued")],
  sending: ["clock", gettext("Sending")],
  accepted: ["clock", gettext("Accepted by WhatsApp")],
  sent: ["check", gettext("Sent")],
  delivered: ["checks", gettext("Delivered")],
  read: ["checks", gettext("Read")],
  played: ["checks", gettext("Played")],
};

/** @typedef {import("./dom.js").Child} Child */

/**
 * A message's row.
 * @param {Message} message
 * @param {TimeFlags} flags
 * @param {RowContext} ctx
 */
export function buildRow(message, flags, ctx) {
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
  const colleague = colleagueOf(message, ctx.agentId);
  const automated = message.direction === "out" && message.automated ? " bubble--automated" : "";
  const bubble = el("div", { class: `bubble bubble--${where}${colleague ? " bubble--colleague" : ""}${automated}` });
  if (colleague) {
    row.dataset.author = colleague;
    bubble.append(el("div", { class: "author", text: colleague }));
  }
  if (message.frequently_forwarded || message.forwarded) {
    bubble.append(el("div", { class: "forwarded", text: message.frequently_forwarded ? gettext("Forwarded many times") : gettext("Forwarded") }));
  }
  if (message.quoted && !message.revoked) bubble.append(quoteBlock(message.quoted, ctx, message));
  appendAll(bubble, contentBlock(message, ctx));
  bubble.append(metaBlock(message, flags));
  row.append(bubble);
  const actions = actionsBlock(message, ctx);
  if (actions) row.append(actions);
  const reactions = message.reactions || [];
  if (reactions.length) {
    row.append(el("div", { class: "reactions" }, reactions.map((r) => reactionBadge(r, ctx))));
  }
  return row;
}

/**
 * One side's reaction under a message. U1: the business's says who reacted and where its
 * send stands (on its way, or failed and why: react again to retry).
 * @param {Reaction} r @param {RowContext} ctx
 */
function reactionBadge(r, ctx) {
  if (r.direction === "in") return el("span", { class: "reaction", text: r.emoji, title: fmt(gettext("%(name)s reacted"), { name: ctx.contactName() }) });
  const who = r.author_name ? fmt(gettext("%(name)s reacted"), { name: r.author_name }) : gettext("You reacted");
  if (r.status === "failed") {
    const what = r.emoji ? fmt(gettext("Reaction %(emoji)s not sent"), { emoji: r.emoji }) : gettext("The reaction was not removed");
    return el("span", { class: "reaction reaction--out reaction--failed", title: fmt(gettext("%(what)s: %(error)s. React again to retry."), { what, error: r.error || gettext("WhatsApp refused it") }) },
      icon("alert"), r.emoji || "");
  }
  const pending = r.status === "queued" || r.status === "sending";
  return el("span", {
    class: `reaction reaction--out${pending ? " reaction--pending" : ""}`,
    text: r.emoji,
    title: pending ? fmt(gettext("%(who)s · sending…"), { who }) : who,
  });
}

/**
 * U1: Reply (quote it in the next message: WhatsApp shows the quote on the phone) and
 * Copy (its text), shown on hover. Out of the Tab order (tabindex -1: a long transcript
 * would put hundreds of stops before the composer); the keyboard has Alt+R, reply to the
 * customer's last message, and screen readers still list the buttons. Reply needs the message's wamid:
 * one still on its way cannot be quoted yet (the server says the same: bad_reply).
 * @param {Message} message @param {RowContext} ctx
 */
function actionsBlock(message, ctx) {
  if (message.revoked) return null;
  const buttons = [];
  if (ctx.onReply && canQuote(message)) {
    const onReply = ctx.onReply;
    buttons.push(
      el("button", { type: "button", class: "row-action row-action--reply", tabindex: "-1", title: gettext("Reply"), "aria-label": gettext("Reply to this message"), onclick: () => onReply(message) },
        icon("reply")),
    );
  }
  if (ctx.onReact && canReact(message) && message.interaction_id === ctx.interactionId) buttons.push(reactButton(message, ctx.onReact));
  const text = message.body || "";
  if (text.trim() && navigator.clipboard) {
    const copy = el("button", { type: "button", class: "row-action", tabindex: "-1", title: gettext("Copy text"), "aria-label": gettext("Copy the text") }, icon("copy"));
    copy.addEventListener("click", () => {
      navigator.clipboard.writeText(text).then(
        () => flash(copy, gettext("Copied")),
        () => flash(copy, gettext("Could not copy")),
      );
    });
    buttons.push(copy);
  }
  return buttons.length ? el("div", { class: "row-actions" }, buttons) : null;
}

/**
 * U1: whether a reply may quote this message (the Reply button and Alt+R ask the same):
 * one WhatsApp knows (a wamid), not deleted, not a notice.
 * @param {Message} message
 */
export function canQuote(message) {
  return Boolean(message.wamid) && !message.revoked && placement(message) !== "center" && message.type !== "reaction";
}

/**
 * U1: whether the agent may react to this message: a customer's message that can be quoted
 * (a wamid, not deleted, not a notice). The tab hides the button while the server does not
 * allow it ("react" in the actions, the 24-hour window open).
 * @param {Message} message
 */
export function canReact(message) {
  return message.direction === "in" && canQuote(message);
}

/**
 * U1: React, beside Reply and Copy (out of the Tab order like them), opening a small menu of
 * emojis and "Remove": the arrow keys move in it, Enter picks, Escape closes it and gives
 * the focus back.
 * @param {Message} message @param {(message: Message, emoji: string) => Promise<unknown>} onReact
 */
function reactButton(message, onReact) {
  const button = el("button", {
    type: "button", class: "row-action row-action--react", tabindex: "-1", title: gettext("React"),
    "aria-label": gettext("React to this message"), "aria-haspopup": "menu", "aria-expanded": "false",
  }, icon("smile"));
  button.addEventListener("click", () => {
    const open = button.parentElement && button.parentElement.querySelector(".react-picker:not([data-closing])");
    if (open) closePicker(button);
    else openPicker(button, message, onReact);
  });
  return button;
}

/**
 * U1: open React's menu under its button, the focus on the agent's current emoji (else the
 * first). Exported for the transcript, which opens it again on a row drawn anew.
 * @param {HTMLButtonElement} button @param {Message} message @param {(message: Message, emoji: string) => Promise<unknown>} onReact
 */
export function openPicker(button, message, onReact) {
  const mine = (message.reactions || []).find((r) => r.direction === "out");
  const current = mine && mine.status !== "failed" ? mine.emoji : "";
  const pick = (/** @type {string} */ emoji) => {
    button.focus(); // the transcript keeps it on React when the row is drawn again
    closePicker(button);
    onReact(message, emoji);
  };
  const items = REACTIONS.map((emoji) =>
    el("button", {
      type: "button", role: "menuitemradio", class: "react-choice", tabindex: "-1", text: emoji,
      "aria-checked": emoji === current ? "true" : "false", "aria-label": fmt(gettext("React with %(emoji)s"), { emoji }), onclick: () => pick(emoji),
    }));
  if (current) {
    items.push(el("button", { type: "button", role: "menuitem", class: "react-choice react-choice--remove", tabindex: "-1", text: gettext("Remove"), "aria-label": gettext("Remove your reaction"), onclick: () => pick("") }));
  }
  const picker = el("div", { class: "react-picker", role: "menu", "aria-label": gettext("React with") }, items);
  picker.addEventListener("keydown", (event) => {
    const at = items.indexOf(/** @type {HTMLButtonElement} */ (document.activeElement));
    const moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    if (event.key in moves) {
      items[(at + moves[/** @type {keyof typeof moves} */ (event.key)] + items.length) % items.length].focus();
    } else if (event.key === "Home" || event.key === "End") {
      items[event.key === "Home" ? 0 : items.length - 1].focus();
    } else if (event.key === "Escape" || event.key === "Tab") {
      closePicker(button);
      button.focus();
    } else return;
    event.preventDefault();
    event.stopPropagation();
  });
  picker.addEventListener("focusout", (event) => {
    const to = event.relatedTarget;
    if (to !== button && (!(to instanceof Node) || !picker.contains(to))) closePicker(button);
  });
  button.after(picker);
  button.setAttribute("aria-expanded", "true");
  (items.find((item) => item.getAttribute("aria-checked") === "true") || items[0]).focus();
}

/** @param {HTMLButtonElement} button */
function closePicker(button) {
  button.setAttribute("aria-expanded", "false");
  // Removing the focused picker blurs it, and its focusout closes it again: once is enough.
  const picker = button.parentElement && button.parentElement.querySelector(".react-picker:not([data-closing])");
  if (!(picker instanceof HTMLElement)) return;
  picker.dataset.closing = "true";
  picker.remove();
}

/** Say on the button what happened, for a moment. @param {HTMLButtonElement} button @param {string} what */
function flash(button, what) {
  button.title = what;
  button.classList.add("row-action--done");
  button.setAttribute("aria-label", what);
  setTimeout(() => {
    button.title = gettext("Copy text");
    button.setAttribute("aria-label", gettext("Copy the text"));
    button.classList.remove("row-action--done");
  }, 1500);
}

// Another agent's name on their message, or G4's "sent from the business app" (identity.js).
export { colleagueOf };

/** @param {Element} parent @param {Child} children */
function appendAll(parent, children) {
  if (Array.isArray(children)) for (const child of children) appendAll(parent, child);
  else if (children !== null && children !== undefined && children !== false && children !== "") {
    parent.append(children instanceof Node ? children : String(children));
  }
}

/** @param {Message} message @param {TimeFlags} flags */
function metaBlock(message, flags) {
  const origination = toDate(message.origination_at);
  const arrival = toDate(message.arrived_at) || origination;
  const classes = ["ts"];
  let text = timeOf(arrival);
  let title = `Arrived ${fullTimeOf(arrival)}`;
  if (flags.delayed) {
    classes.push("ts--delayed");
    text = timeOf(origination);
    title = fmt(gettext("Arrived %(full_time_of)s (sent %(full_time_of2)s)"), { full_time_of: fullTimeOf(arrival), full_time_of2: fullTimeOf(origination) });
  }
  if (flags.outOfOrder) {
    classes.push("ts--out-of-order");
    title += ` · ${gettext("out of order: sent before the message shown above")}`;
  }
  return el(
    "div",
    { class: "meta" },
    message.edited ? el("span", { class: "edited", text: gettext("(edited)") }) : null,
    el("time", { class: classes.join(" "), datetime: message.arrived_at || "", title, text }),
    message.direction === "out" ? el("span", { class: "ticks" }) : null,
  );
}

/**
 * The delivery ticks of our message, changed in place (a playing video or audio beside
 * them is never interrupted).
 * @param {HTMLElement} row
 * @param {Message} message
 */
export function updateTicks(row, message) {
  const slot = row.querySelector(".ticks");
  const waiting = waitingLabel(message); // G5: WhatsApp's pacing, not a failure
  const key = `${message.status || ""}${waiting ? ":waiting" : ""}`;
  if (!(slot instanceof HTMLElement) || slot.dataset.tick === key) return;
  const [name, ticked] = TICKS[message.status || ""] || ["clock", message.status || gettext("Pending")];
  const label = waiting || ticked;
  slot.dataset.tick = key;
  slot.className = `ticks ticks--${message.status}`;
  slot.title = label;
  slot.setAttribute("aria-label", label);
  slot.setAttribute("role", "img");
  slot.replaceChildren(icon(name, "icon icon--tick"));
}

/** @param {Quoted} quoted @param {RowContext} ctx @param {Message} reply */
function quoteBlock(quoted, ctx, reply) {
  const who = quoted.direction === "in" ? ctx.contactName() : gettext("You");
  const isTemplate = quoted.type === "template" || quoted.type === "interactive";
  const structure = isTemplate && quoted.direction === "out" ? quotedStructure(quoted, reply) : null;
  return el(
    "div",
    { class: `quote${isTemplate ? " quote--template" : ""}`, dataset: { quotedId: String(quoted.id || "") } },
    el("div", { class: "quote-author", text: isTemplate && quoted.direction === "out" ? gettext("Your message") : who }),
    structure || el("div", { class: "quote-body", dir: "auto", text: summaryOf(quoted, { contactName: ctx.contactName() }) || quoted.type }),
  );
}

/**
 * T3, T4: the notification (or interactive message) a reply answers, shown whole in the
 * quote, the customer's choice highlighted.
 * @param {Quoted} quoted
 * @param {Message} reply
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
    el("div", { class: "quote-body", dir: "auto", text: body }),
    footer ? el("div", { class: "quote-footer", text: footer }) : null,
    options.length
      ? el(
          "div",
          { class: "quote-options" },
          options.map((option) => {
            const chosen = Boolean(choice && (choice.texts.includes(option.text) || (option.id && choice.ids.includes(option.id))));
            return el(
              "span",
              { class: `quote-option${chosen ? " quote-option--chosen" : ""}`, title: chosen ? gettext("The customer's choice") : null },
              chosen ? icon("check", "icon icon--choice") : null,
              option.text,
              chosen ? el("span", { class: "sr-only", text: ` ${gettext("(chosen)")}` }) : null,
            );
          }),
        )
      : null,
  );
}

/** A centred row: a failed message of ours (with Retry), an unsupported message, a notice. @param {Message} message @param {TimeFlags} flags @param {RowContext} ctx */
function noticeBlock(message, flags, ctx) {
  if (message.direction === "out" && message.status === "failed") {
    const title = message.error_title ? fmt(gettext("Not delivered: %(error_title)s"), { error_title: message.error_title }) : gettext("Not delivered");
    const retry = el("button", { type: "button", class: "btn btn--small retry" }, icon("retry"), gettext("Retry"));
    retry.addEventListener("click", () => ctx.onRetry(message, retry));
    return el(
      "div",
      { class: "notice notice--error", role: "group", "aria-label": gettext("Message not delivered") },
      el("div", { class: "notice-title" }, icon("alert"), el("span", { text: title }),
        message.error_code ? el("span", { class: "notice-code", text: ` (${message.error_code})` }) : null),
      message.error_details ? el("div", { class: "notice-details", text: message.error_details }) : null,
      el("div", { class: "notice-quote", text: `“${summaryOf(message)}”` }),
      el("div", { class: "notice-actions" }, retry, metaBlock(message, flags)),
    );
  }
  const errors = Array.isArray(message.errors) ? message.errors : [];
  const { text, kind } = noticeOf(message, ctx.contactName());
  return el(
    "div",
    { class: `notice notice--${kind}` },
    el("div", { class: "notice-title" }, kind === "error" ? icon("alert") : null, el("span", { text })),
    errors.map((e) => el("div", { class: "notice-details", text: errorLine(e) })),
    metaBlock(message, flags),
  );
}

/** @param {string | undefined} text */
function textBlock(text, className = "text") {
  return text ? el("div", { class: className, dir: "auto" }, linkify(text)) : null;
}

/** @param {Message} message @param {RowContext} ctx @returns {Child} */
function contentBlock(message, ctx) {
  /** @type {MessageContent} */
  const c = message.content || {};
  if (message.revoked) return el("div", { class: "deleted", text: gettext("message deleted") });
  if (MEDIA_KINDS.has(message.type)) return [mediaBlock(message.type, message), textBlock(message.body, gettext("text caption"))];
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
            ? gettext("Sent as a notification (the response window had ended)")
            : fmt(gettext("Template · %(value)s"), { value: (c.template && c.template.name) || "" }),
        }),
        c.rendered && !c.notification_fallback
          ? renderedBlock(message, c.rendered)
          : textBlock(message.body) || templateParameters(c.template),
      ];
    case "order":
      return [el("div", { class: "template-label", text: gettext("Order") }), textBlock(message.body)];
    default:
      return textBlock(message.body) || el("div", { class: "muted", text: `[${message.type}]` });
  }
}

/** A template sent without its rendered text: its parameter values, in order. @param {{ components?: TemplateComponent[] } | undefined} template */
function templateParameters(template) {
  const values = [];
  for (const component of (template && template.components) || []) {
    for (const parameter of component.parameters || []) if (parameter.type === "text" && parameter.text) values.push(parameter.text);
  }
  return values.length ? el("div", { class: "text template-params", text: values.join(" · ") }) : null;
}

/** @param {Message} message @returns {Child} */
function choiceBlock(message) {
  const c = message.content || {};
  if (c.reply_type === "nfm_reply") {
    return [el("div", { class: "choice" }, el("span", { class: "choice-label", text: gettext("answered the form:") }), " ",
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

/** @param {Message} message @returns {Child} */
function outboundInteractiveBlock(message) {
  const spec = (message.content && message.content.interactive) || {};
  // The API's short form ({type, buttons: [{id, title}], sections}) or Cloud API's ({action: …}).
  const action = spec.action || spec;
  const options = [];
  for (const button of action.buttons || []) options.push((button.reply && button.reply.title) || button.title || "");
  for (const section of action.sections || []) for (const r of section.rows || []) options.push(r.title || "");
  const header = spec.header && spec.header.type === "text" ? spec.header.text : "";
  const list = spec.type === "list" ? action.button || spec.button || "" : "";
  return [
    headerMedia(message),
    header ? el("div", { class: "tpl-header", text: header }) : null,
    textBlock(message.body || (spec.body && spec.body.text) || ""),
    spec.footer && spec.footer.text ? el("div", { class: "tpl-footer", text: spec.footer.text }) : null,
    list ? el("div", { class: "list-label" }, icon("list"), el("span", { text: list })) : null,
    options.length ? el("div", { class: "options" }, options.map((t) => el("span", { class: "option", text: t }))) : null,
  ];
}

/** A template's or interactive message's media header: the message's attachment. @param {Message} message */
function headerMedia(message) {
  const a = message.attachment;
  return a ? mediaBlock(a.kind || "document", message) : null;
}

/**
 * T2, T3: a notification as the customer reads it: header, body, footer, buttons.
 * @param {Message} message
 * @param {Rendered} rendered
 * @returns {Child}
 */
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

/**
 * M1b: a file's icon by its type (PDF, spreadsheet, …): ``data-file-type`` names it.
 * @param {Partial<Attachment>} a
 * @param {string} className
 */
function fileIcon(a, className) {
  const type = fileTypeOf(a);
  return el("span", { class: `${className} file-icon file-icon--${type}`, dataset: { fileType: type } }, icon(FILE_TYPES[type].icon));
}

/**
 * M1b: the name and the details of a photo's, a video's or an audio's file, under it (a
 * document shows them in its own box). The name is the customer's text: textContent only.
 * @param {Attachment} a
 */
function fileLine(a) {
  const name = a.file_name || "";
  return el("div", { class: "media-meta" }, fileIcon(a, "media-meta-icon"),
    el("span", { class: "media-name", text: name, title: name }),
    el("span", { class: "media-size", text: fileDetails(a) }));
}

/** M1: a file: an image or sticker, a player, or a document; pending and failed downloads say so. @param {string} kind @param {Message} message */
function mediaBlock(kind, message) {
  /** @type {Attachment | null | undefined} */
  const a = message.attachment;
  if (!a || a.state === "pending") {
    return el("div", { class: "media-pending" }, fileIcon(a || { id: 0, kind }, "pending-icon"),
      el("span", { text: gettext("downloading…") }), a && a.file_name ? el("span", { class: "muted media-name", text: a.file_name, title: a.file_name }) : null);
  }
  if (a.state === "failed" || !a.url) {
    return el("div", { class: "media-pending media-failed" }, icon("alert"), el("span", { text: a.notice || gettext("the file could not be downloaded") }));
  }
  const url = safeUrl(a.url);
  const save = url ? `${url}${url.includes("?") ? "&" : "?"}download=1` : null;
  const saveLink = save
    ? el("a", { class: "media-save", href: save, download: a.file_name || "", title: gettext("Save"), "aria-label": `Save ${a.file_name || kind}` }, icon("download"))
    : null;
  if (kind === "sticker") {
    // a sticker is a picture in the conversation, not a file the agent handles: no name line
    const src = safeUrl(a.thumbnail_url) || url;
    const image = el("img", { class: "sticker", src, alt: message.body || gettext("Sticker"), loading: "lazy" });
    return el("div", { class: "media media--image" }, link(url, image, { class: "media-open", title: gettext("Open full size") }), saveLink);
  }
  if (kind === "image") {
    const src = safeUrl(a.thumbnail_url) || url;
    const image = el("img", { class: "thumb", src, alt: message.body || gettext("Image"), loading: "lazy" });
    return el("div", { class: "media media--image" }, link(url, image, { class: "media-open", title: gettext("Open full size") }), saveLink, fileLine(a));
  }
  if (kind === "video") {
    return el("div", { class: "media media--video" }, el("video", { src: url, controls: true, preload: "metadata" }), saveLink, fileLine(a));
  }
  if (kind === "audio") {
    return el("div", { class: "media media--audio" },
      el("div", { class: "media-player" },
        el("audio", { src: url, controls: true, preload: "metadata", "aria-label": a.voice ? gettext("Voice message") : gettext("Audio") }), saveLink),
      fileLine(a));
  }
  return el(
    "div",
    { class: "media media--document" },
    fileIcon(a, "doc-icon"),
    el("span", { class: "doc-text" },
      link(url, a.file_name || "document", { class: "doc-name", title: a.file_name || "" }),
      el("span", { class: "doc-size", text: fileDetails(a) })),
    saveLink,
  );
}

/**
 * W10: a static map image when a provider is configured, else a link; and the details.
 * @param {MessageContent} c the location
 * @param {string} mapTemplate
 */
export function locationBlock(c, mapTemplate) {
  const lat = Number(c.latitude);
  const lon = Number(c.longitude);
  const valid = c.latitude !== undefined && c.longitude !== undefined && Number.isFinite(lat) && Number.isFinite(lon);
  const osm = valid
    ? `https://www.openstreetmap.org/?mlat=${encodeURIComponent(lat)}&mlon=${encodeURIComponent(lon)}#map=16/${encodeURIComponent(lat)}/${encodeURIComponent(lon)}`
    : null;
  const target = safeUrl(c.url) || osm;
  /** @type {Node | null} */
  let preview = null;
  if (valid && mapTemplate) {
    const src = safeUrl(
      String(mapTemplate)
        .replaceAll("{latitude}", encodeURIComponent(String(lat)))
        .replaceAll("{longitude}", encodeURIComponent(String(lon)))
        .replaceAll("{zoom}", "15"),
    );
    if (src) {
      const image = el("img", { class: "map", src, alt: `Map of ${c.name || c.address || gettext("the location")}`, loading: "lazy" });
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
        c.name ? el("strong", { class: "location-name", text: c.name }) : el("strong", { text: gettext("Location") }),
        c.address ? el("div", { class: "location-address", text: c.address }) : null,
        c.url ? el("div", { class: "location-url" }, link(c.url, c.url)) : null,
        valid ? el("div", { class: "location-coords muted", text: `${lat.toFixed(5)}, ${lon.toFixed(5)}` }) : null,
        !preview && osm ? el("div", {}, link(osm, gettext("Open in OpenStreetMap"), { class: "location-open" })) : null,
      ),
    ),
  );
}

/** @param {SharedContact[] | undefined} contacts */
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
          el("strong", { text: (contact.name && contact.name.formatted_name) || gettext("Contact") }),
          (contact.phones || []).map((p) => el("div", { class: "muted", text: p.phone || p.wa_id || "" })),
          (contact.emails || []).map((e) => el("div", { class: "muted", text: e.email || "" })),
        ),
      ),
    ),
  );
}
