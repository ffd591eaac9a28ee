// U3: what the admin's template editor and preview work out without the DOM
// (tests/js/template-rules.test.js). The server's checks (templates_app/composition.py and
// parameter_labels.py) stay the judge on save; these only say early, on the field it is
// about, what the server would refuse, and fill the preview's samples.

/**
 * @typedef {{ button_title: number, template_button_text: number, section_title: number,
 *   row_title: number, row_description: number, row_id: number, label: number }} Limits
 * @typedef {{ key: string, part: "header" | "body", slot: string, fallback: string }} ParameterKey
 * @typedef {Record<string, unknown>} Item
 */

/** WhatsApp's limits (whatsapp/limits.py); the page gives the server's own (``template-limits``). */
/** @type {Limits} */
export const DEFAULT_LIMITS = {
  button_title: 20,
  template_button_text: 25,
  section_title: 24,
  row_title: 24,
  row_description: 72,
  row_id: 200,
  label: 60,
};

/** Button types a content manager chooses for a notification's buttons. */
export const TEMPLATE_BUTTON_TYPES = ["quick_reply", "url", "phone_number"];

const POSITIONAL = /\{\{\s*(\d+)\s*\}\}/g;
const NAMED = /\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/g;
const ANY = /\{\{\s*(\w+)\s*\}\}/g;

/**
 * A JSON field's text as a list (or object): ``null`` when it is not valid JSON of that shape.
 * @template T
 * @param {string} text
 * @param {T} empty what an empty field means
 * @returns {T | null}
 */
export function parseJson(text, empty) {
  if (!text.trim()) return empty;
  try {
    const value = JSON.parse(text);
    const sameShape = Array.isArray(empty) ? Array.isArray(value) : value !== null && typeof value === "object" && !Array.isArray(value);
    return sameShape ? value : null;
  } catch {
    return null;
  }
}

/**
 * The parameters of a text in the server's order: numbers ascending (positional), names in
 * order of first appearance (named).
 * @param {string} text
 * @param {boolean} named
 * @returns {string[]}
 */
export function placeholders(text, named) {
  if (named) return [...new Set([...String(text || "").matchAll(NAMED)].map((m) => m[1] || ""))];
  const numbers = [...new Set([...String(text || "").matchAll(POSITIONAL)].map((m) => Number(m[1])))];
  return numbers.sort((a, b) => a - b).map(String);
}

/** "1st", "2nd", "3rd", "11th". @param {number} n */
export function ordinal(n) {
  const tens = n % 100;
  const suffix = tens >= 10 && tens <= 20 ? "th" : ({ 1: "st", 2: "nd", 3: "rd" })[n % 10] || "th";
  return `${n}${suffix}`;
}

/** A named parameter in words: "first_name" → "First name". @param {string} name */
export function nameLabel(name) {
  const words = name.replace(/_+/g, " ").trim().replace(/\s+/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * Every parameter a content manager may label, with the label an agent sees without one
 * (as templates_app/parameter_labels.py derives it).
 * @param {{ headerType: string, headerText: string, body: string, named: boolean }} template
 * @returns {ParameterKey[]}
 */
export function parameterKeys({ headerType, headerText, body, named }) {
  /** @type {ParameterKey[]} */
  const keys = [];
  /** @param {"header" | "body"} part @param {string} text */
  const add = (part, text) => {
    const slots = placeholders(text, named);
    const name = part === "header" ? "Header" : "Body";
    slots.forEach((slot, i) => {
      const fallback = named ? nameLabel(slot) : slots.length === 1 ? `${name} value` : `${name}, ${ordinal(i + 1)} value`;
      keys.push({ key: `${part}.${slot}`, part, slot, fallback });
    });
  };
  if (headerType === "text") add("header", headerText);
  add("body", body);
  return keys;
}

/**
 * A text with a sample in place of each parameter: its label in brackets ("[Order
 * number]"), so the preview reads as the customer's message will.
 * @param {string} text
 * @param {"header" | "body"} part
 * @param {Record<string, unknown>} labels the template's parameter labels
 * @param {ParameterKey[]} keys
 */
export function sampleText(text, part, labels, keys) {
  return String(text || "").replace(ANY, (whole, slot) => {
    const key = `${part}.${slot}`;
    const given = labels[key];
    if (typeof given === "string" && given.trim()) return `[${given.trim()}]`;
    const known = keys.find((k) => k.key === key);
    return known ? `[${known.fallback}]` : whole;
  });
}

/** @param {unknown} value */
const text = (value) => (typeof value === "string" ? value : value === null || value === undefined ? "" : String(value));

/**
 * Why a text is refused, or "".
 * @param {unknown} value
 * @param {number} max
 * @param {{ required?: boolean }} [options]
 */
export function lengthProblem(value, max, { required = true } = {}) {
  const t = text(value);
  if (required && !t.trim()) return "Required";
  if (t.length > max) return `At most ${max} characters (now ${t.length})`;
  return "";
}

/**
 * What is wrong with each field of a button, by field ("text", "url", "phone_number", "id").
 * @param {Item} button
 * @param {string} kind the template's kind
 * @param {Limits} limits
 * @returns {Record<string, string>}
 */
export function buttonProblems(button, kind, limits) {
  /** @type {Record<string, string>} */
  const problems = {};
  const max = kind === "reply_buttons" ? limits.button_title : limits.template_button_text;
  const t = lengthProblem(button.text, max);
  if (t) problems.text = t;
  if (kind === "reply_buttons") {
    const id = lengthProblem(button.id, 256, { required: false });
    if (id) problems.id = id;
    return problems;
  }
  if (button.type === "url") {
    const url = text(button.url);
    if (!/^https?:\/\//.test(url)) problems.url = "A web address starting with https://";
    else if (url.includes("{{") && !/\{\{\s*1\s*\}\}$/.test(url)) problems.url = "A dynamic address ends with {{1}}";
  }
  if (button.type === "phone_number" && !/^\+\d{6,19}$/.test(text(button.phone_number))) {
    problems.phone_number = "International form: + and 6 to 19 digits";
  }
  return problems;
}

/**
 * What is wrong with each field of a list row, by field ("id", "title", "description").
 * @param {Item} row
 * @param {Limits} limits
 * @param {Set<string>} [seenIds] ids of the rows before it (a repeated id is refused)
 * @returns {Record<string, string>}
 */
export function rowProblems(row, limits, seenIds) {
  /** @type {Record<string, string>} */
  const problems = {};
  const title = lengthProblem(row.title, limits.row_title);
  if (title) problems.title = title;
  const description = lengthProblem(row.description, limits.row_description, { required: false });
  if (description) problems.description = description;
  const id = lengthProblem(row.id, limits.row_id);
  if (id) problems.id = id;
  else if (seenIds && seenIds.has(text(row.id))) problems.id = "Another option has this id";
  return problems;
}

/**
 * What is wrong with a section's title: required once there are several sections.
 * @param {Item} section
 * @param {number} count how many sections the list has
 * @param {Limits} limits
 */
export function sectionTitleProblem(section, count, limits) {
  return lengthProblem(section.title, limits.section_title, { required: count > 1 });
}

/**
 * A list's rows with an id each: a row typed without one gets one from its title, as the
 * customer's answer names the row by it ("Morning" → "morning").
 * @param {string} title
 * @param {Set<string>} taken
 */
export function rowIdFrom(title, taken) {
  const base = title.toLowerCase().normalize("NFKD").replace(/[^\w]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 40) || "option";
  let id = base;
  for (let n = 2; taken.has(id); n += 1) id = `${base}_${n}`;
  return id;
}
