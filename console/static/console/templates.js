// T2-T4: a template's parameters as the agent fills them in, without the DOM (tests/js/).
// The server judges what can be sent (its preview); this is only what the editor needs
// before it answers.

/** @import { TemplateParameters, TemplateSlots, TemplateValues } from "./types.js" */

const PLACEHOLDER = /\{\{\s*(\d+)\s*\}\}/g;
const URL_SUFFIX = /\{\{\s*1\s*\}\}$/;
/** The template kinds that are interactive messages (only inside the 24-hour window). */
export const INTERACTIVE = new Set(["reply_buttons", "list"]);

/**
 * The draft shown while the server's preview is on its way: what is typed, {{n}} elsewhere.
 * @param {string | undefined} text
 * @param {string[]} values
 */
export function fill(text, values) {
  return String(text || "").replace(PLACEHOLDER, (whole, n) => {
    const value = values[Number(n) - 1];
    return value ? value : whole;
  });
}

/** A dynamic website link with its suffix (``shown`` where there is none yet). @param {string | undefined} url @param {string} suffix */
export function withSuffix(url, suffix) {
  return String(url || "").replace(URL_SUFFIX, suffix);
}

/** Nothing typed yet, one value per slot. @param {TemplateSlots} slots @returns {TemplateValues} */
export function emptyValues(slots) {
  return {
    header: (slots.header || []).map(() => ""),
    body: (slots.body || []).map(() => ""),
    buttons: Object.fromEntries((slots.buttons || []).map((b) => [String(b.index), ""])),
  };
}

/** The labels of the slots still empty. @param {TemplateSlots} slots @param {TemplateValues} values */
export function missing(slots, values) {
  /** @type {string[]} */
  const empty = [];
  (slots.header || []).forEach((n, i) => {
    if (!values.header[i]) empty.push(`Header {{${n}}}`);
  });
  (slots.body || []).forEach((n, i) => {
    if (!values.body[i]) empty.push(`Body {{${n}}}`);
  });
  for (const slot of slots.buttons || []) if (!values.buttons[String(slot.index)]) empty.push(`Link “${slot.text}”`);
  return empty;
}

/** The parameters to send: only the parts the template has. @param {TemplateSlots} slots @param {TemplateValues} values */
export function parametersOf(slots, values) {
  /** @type {TemplateParameters} */
  const parameters = {};
  if ((slots.header || []).length) parameters.header = [...values.header];
  if ((slots.body || []).length) parameters.body = [...values.body];
  if ((slots.buttons || []).length) parameters.buttons = { ...values.buttons };
  return parameters;
}

/** "a", "an": the article before a word. @param {string} word */
export function articleOf(word) {
  return /^[aeiou]/.test(word) ? "an" : "a";
}
