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
