// Live preview of a message template in the admin (T5, U3): the message as WhatsApp shows
// it, header, body, footer, buttons, and a list's sections and rows as the customer sees
// them once the list is opened, following every keystroke (the form's own fields and the
// button and list editor, template-editor.js, which writes the JSON fields). Parameters
// show their labels as samples ("[Order number]"). Text only ever goes through
// textContent: nothing typed here is interpreted as HTML.

import { parameterKeys, parseJson, sampleText } from "./template-rules.js";

/** @import { Item } from "./template-rules.js" */

const root = document.getElementById("template-preview");

/** The admin form's field for a model field, if the form has it. @param {string} name */
function field(name) {
  const node = document.getElementById(`id_${name}`);
  return node instanceof HTMLInputElement || node instanceof HTMLTextAreaElement || node instanceof HTMLSelectElement ? node : null;
}

/** @param {string} name @param {string} [otherwise] */
function value(name, otherwise = "") {
  const node = field(name);
  return node ? node.value : otherwise;
}

/** A part of the preview (the template's markup has each). @param {HTMLElement} box @param {string} name */
function part(box, name) {
  const node = box.querySelector(`[data-part="${name}"]`);
  if (!(node instanceof HTMLElement)) throw new Error(`the preview has no ${name} part`);
  return node;
}

/** @param {string} tag @param {string} cls @param {string} [text] */
function make(tag, cls, text) {
  const n = document.createElement(tag);
  n.className = cls;
  if (text !== undefined) n.textContent = text;
  return n;
}

const BODY_MAX = { list: 4096, reply_buttons: 1024 };
const ICONS = { url: "↗ ", phone_number: "✆ ", reply: "↩ ", quick_reply: "↩ " };

/** @param {HTMLElement} box */
function render(box) {
  const kind = value("kind", "notification");
  const headerType = value("header_type", "none");
  const named = value("parameter_format") === "NAMED";
  const keys = parameterKeys({ headerType, headerText: value("header_text"), body: value("body"), named });
  const labels = parseJson(value("parameter_labels"), /** @type {Record<string, unknown>} */ ({})) || {};

  const header = part(box, "header");
  header.className = "tp-header";
  header.textContent = "";
  if (headerType === "text") header.textContent = sampleText(value("header_text"), "header", labels, keys);
  else if (["image", "video", "document", "location"].includes(headerType)) {
    header.classList.add("tp-media");
    header.textContent = headerType;
  }
  const body = value("body");
  part(box, "body").textContent = sampleText(body, "body", labels, keys);
  part(box, "footer").textContent = value("footer");
  const counts = part(box, "counts");
  const max = kind === "list" || kind === "reply_buttons" ? BODY_MAX[kind] : 1024;
  const count = make("span", body.length > max ? "tp-over" : "", `${body.length} / ${max}`);
  counts.replaceChildren(count);

  const buttons = part(box, "buttons");
  const list = part(box, "list");
  buttons.replaceChildren();
  list.replaceChildren();
  if (kind === "list") {
    buttons.append(make("span", "tp-button", `☰ ${value("list_button") || "Options"}`));
    const sections = parseJson(value("sections"), /** @type {Item[]} */ ([]));
    if (sections === null) {
      list.append(make("div", "tp-error", "List sections: not valid JSON"));
      return;
    }
    if (!sections.length) return;
    list.append(make("div", "tp-list-title", value("list_button") || "Options"));
    for (const section of sections) {
      if (!section || typeof section !== "object") continue;
      const block = make("div", "tp-section");
      if (section.title) block.append(make("div", "tp-section-title", String(section.title)));
      for (const row of Array.isArray(section.rows) ? section.rows : []) {
        if (!row || typeof row !== "object") continue;
        const item = make("div", "tp-row");
        item.append(make("span", "tp-row-title", String(row.title || "")));
        if (row.description) item.append(make("span", "tp-row-description", String(row.description)));
        item.append(make("span", "tp-radio", "○"));
        block.append(item);
      }
      list.append(block);
    }
    return;
  }
  const items = parseJson(value("buttons"), /** @type {Item[]} */ ([]));
  if (items === null) {
    buttons.append(make("div", "tp-error", "Buttons: not valid JSON"));
    return;
  }
  for (const b of items) {
    if (!b || typeof b !== "object") continue;
    const type = String(b.type || "");
    const icon = type in ICONS ? ICONS[/** @type {keyof typeof ICONS} */ (type)] : "";
    buttons.append(make("span", "tp-button", icon + String(b.text || "")));
  }
}

if (root) {
  const box = root;
  const again = () => render(box);
  // delegated: the editor's fields come and go; its JSON fields announce each change
  document.addEventListener("input", again);
  document.addEventListener("change", again);
  again();
}
