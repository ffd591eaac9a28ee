// T2-T4: a template's parameters as the agent fills them in, without the DOM (tests/js/).
// The server judges what can be sent (its preview); this is only what the editor needs
// before it answers.

import { fmt, gettext } from "./i18n.js";

/** @import { TemplateParameters, TemplateSlots, TemplateValues } from "./types.js" */

const PLACEHOLDER = /\{\{\s*(\w+)\s*\}\}/g;
const URL_SUFFIX = /\{\{\s*1\s*\}\}$/;
/** The template kinds that are interactive messages (only inside the 24-hour window). */
export const INTERACTIVE = new Set(["reply_buttons", "list"]);

/**
 * The draft shown while the server's preview is on its way: what is typed, {{n}} elsewhere.
 * A named template's values are in the order of its ``names`` ({{first_name}}, …).
 * @param {string | undefined} text
 * @param {string[]} values
 * @param {(number | string)[]} [names]
 */
export function fill(text, values, names) {
  return String(text || "").replace(PLACEHOLDER, (whole, n) => {
    const value = names ? values[names.indexOf(n)] : /^\d+$/.test(n) ? values[Number(n) - 1] : undefined;
    return value ? value : whole;
  });
}

/** A named template's parameter names per part (``fill``'s third argument), else none. @param {TemplateSlots} slots */
export function namesOf(slots) {
  return slots.named ? { header: slots.header, body: slots.body } : { header: undefined, body: undefined };
}

/**
 * What a parameter field is called (U3): the server's label (the content manager's, a
 * named parameter's name in words, else where it sits: "Body, 2nd value"); only a payload
 * without labels falls back to working it out here, never to "Body {{2}}".
 * @param {TemplateSlots} slots
 * @param {"header" | "body"} part
 * @param {number} index the slot's position in its part
 */
export function slotLabel(slots, part, index) {
  const given = slots.labels && slots.labels[part] && slots.labels[part][index];
  if (given && given.label) return given.label;
  const slot = (slots[part] || [])[index];
  const name = part === "header" ? "Header" : "Body";
  const words = String(slot ?? "").replace(/_+/g, " ").trim();
  if (slots.named && words) return words.charAt(0).toUpperCase() + words.slice(1);
  const count = (slots[part] || []).length;
  const n = index + 1;
  const th = n % 100 >= 10 && n % 100 <= 20 ? "th" : ({ 1: "st", 2: "nd", 3: "rd" })[n % 10] || "th";
  return count === 1 ? `${name} value` : `${name}, ${n}${th} value`;
}

/** The text around a parameter's placeholder, from the server (U3), or "". @param {TemplateSlots} slots @param {"header" | "body"} part @param {number} index */
export function slotContext(slots, part, index) {
  const given = slots.labels && slots.labels[part] && slots.labels[part][index];
  return (given && given.context) || "";
}

/** A dynamic website link with its suffix (``shown`` where there is none yet). @param {string | undefined} url @param {string} suffix */
export function withSuffix(url, suffix) {
  return String(url || "").replace(URL_SUFFIX, suffix);
}

/** Nothing typed yet, one value per slot. @param {TemplateSlots} slots @returns {TemplateValues} */
export function emptyValues(slots) {
  /** @type {TemplateValues} */
  const values = {
    header: (slots.header || []).map(() => ""),
    body: (slots.body || []).map(() => ""),
    buttons: Object.fromEntries((slots.buttons || []).map((b) => [String(b.index), ""])),
  };
  if (slots.location) values.location = { latitude: "", longitude: "", name: "", address: "" };
  return values;
}

/**
 * What a button's value is called (G1: a coupon code, a one-time code, a flow token).
 * @param {{ kind?: string, text?: string }} slot
 */
export function buttonLabel(slot) {
  const text = slot.text ? ` “${slot.text}”` : "";
  if (slot.kind === "copy_code") return gettext("Coupon code");
  if (slot.kind === "otp") return fmt(gettext("One-time code%(text)s"), { text });
  if (slot.kind === "flow") return fmt(gettext("Flow token%(text)s (optional)"), { text });
  return fmt(gettext("Link%(text)s"), { text });
}

/** The labels of the slots still empty. @param {TemplateSlots} slots @param {TemplateValues} values */
export function missing(slots, values) {
  /** @type {string[]} */
  const empty = [];
  (slots.header || []).forEach((_, i) => {
    if (!values.header[i]) empty.push(slotLabel(slots, "header", i));
  });
  (slots.body || []).forEach((_, i) => {
    if (!values.body[i]) empty.push(slotLabel(slots, "body", i));
  });
  for (const slot of slots.buttons || []) {
    if (!slot.optional && !values.buttons[String(slot.index)]) empty.push(buttonLabel(slot));
  }
  if (slots.location && values.location) {
    if (!values.location.latitude.trim()) empty.push(gettext("Latitude"));
    if (!values.location.longitude.trim()) empty.push(gettext("Longitude"));
  }
  return empty;
}

/** The parameters to send: only the parts the template has. @param {TemplateSlots} slots @param {TemplateValues} values */
export function parametersOf(slots, values) {
  /** @type {TemplateParameters} */
  const parameters = {};
  if ((slots.header || []).length) parameters.header = [...values.header];
  if ((slots.body || []).length) parameters.body = [...values.body];
  if ((slots.buttons || []).length) parameters.buttons = { ...values.buttons };
  if (slots.location && values.location) {
    const { latitude, longitude, name, address } = values.location;
    parameters.location = { latitude: latitude.trim(), longitude: longitude.trim() };
    if (name.trim()) parameters.location.name = name.trim();
    if (address.trim()) parameters.location.address = address.trim();
  }
  return parameters;
}

/** "a", "an": the article before a word. @param {string} word */
export function articleOf(word) {
  return /^[aeiou]/.test(word) ? "an" : "a";
}
