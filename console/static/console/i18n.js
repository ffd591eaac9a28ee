// U4: the console's texts in the agent's language. The page loads Django's JavaScript
// catalogue (/jsi18n/, a classic script before the modules) which defines the globals
// gettext, ngettext and interpolate in the request's language; these wrappers use them
// when present and fall back to the English source text otherwise (node's unit tests, a
// catalogue that failed to load). Calls are named gettext/ngettext so that
// `makemessages -d djangojs` finds their texts.

/**
 * What the catalogue script defines on the page (types.d.ts declares the same globals);
 * read through this view so that the DOM-free unit tests type-check this module too.
 * @typedef {object} Page
 * @property {(text: string) => string} [gettext]
 * @property {(singular: string, plural: string, count: number) => string} [ngettext]
 * @property {{ documentElement: { lang: string } }} [document]
 */
const page = /** @type {Page} */ (/** @type {unknown} */ (globalThis));

/** The text in the active language. @param {string} text */
export function gettext(text) {
  return typeof page.gettext === "function" ? page.gettext(text) : text;
}

/**
 * The singular or the plural text for ``count`` (the language's plural rules).
 * @param {string} singular
 * @param {string} plural
 * @param {number} count
 */
export function ngettext(singular, plural, count) {
  if (typeof page.ngettext === "function") return page.ngettext(singular, plural, count);
  return count === 1 ? singular : plural;
}

/**
 * Fill ``%(name)s`` placeholders (Django's named interpolation) with ``values``; the
 * translator may reorder them.
 * @param {string} text
 * @param {Record<string, unknown>} values
 */
export function fmt(text, values) {
  return text.replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/** The page's language (``<html lang>``, the request's) for Intl formatting; undefined: the browser's. */
export function locale() {
  const lang = page.document ? page.document.documentElement.lang : "";
  return lang || undefined;
}

/**
 * A translated text split around its ``%(name)s`` placeholders, each replaced by the value
 * given (a DOM node, say): for texts that wrap an element ("dropped <time> ago").
 * @template T
 * @param {string} text
 * @param {Record<string, T>} values
 * @returns {(string | T)[]}
 */
export function fmtParts(text, values) {
  /** @type {(string | T)[]} */
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(/%\((\w+)\)s/g)) {
    const index = match.index || 0;
    if (!(match[1] in values)) continue;
    if (index > last) parts.push(text.slice(last, index));
    parts.push(values[match[1]]);
    last = index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}
