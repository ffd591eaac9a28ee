// U4: the phone page's words in the visitor's language. The page loads Django's
// JavaScript catalogue (/jsi18n/, a classic script that defines gettext() and ngettext()
// on the window) before its modules; without it (the unit tests in node) every text stays
// English. The names are gettext and ngettext so that `makemessages -d djangojs` finds the
// calls; the texts are plain string literals for the same reason.

/**
 * Django's catalogue functions, when the page loaded them.
 * @typedef {object} Catalogue
 * @property {(msgid: string) => string} [gettext]
 * @property {(singular: string, plural: string, count: number) => string} [ngettext]
 * @property {(context: string, msgid: string) => string} [pgettext]
 */

/** @returns {Catalogue} */
function catalogue() {
  return /** @type {Catalogue} */ (globalThis);
}

/**
 * Put named values into a translated text: "%(name)s" becomes values.name (Django's
 * interpolate() with named=true, without needing the catalogue).
 * @param {string} text
 * @param {Record<string, unknown>} [values]
 * @returns {string}
 */
export function interpolate(text, values) {
  if (!values) return text;
  return text.replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/**
 * The text in the page's language (looked up at each call: the catalogue may load later).
 * @param {string} msgid
 * @param {Record<string, unknown>} [values] named values for "%(name)s"
 * @returns {string}
 */
export function gettext(msgid, values) {
  const { gettext: lookup } = catalogue();
  return interpolate(typeof lookup === "function" ? lookup(msgid) : msgid, values);
}

/**
 * The singular or plural text for a count, in the page's language.
 * @param {string} singular
 * @param {string} plural
 * @param {number} count
 * @param {Record<string, unknown>} [values] named values for "%(name)s"
 * @returns {string}
 */
export function ngettext(singular, plural, count, values) {
  const { ngettext: lookup } = catalogue();
  const text = typeof lookup === "function" ? lookup(singular, plural, count) : count === 1 ? singular : plural;
  return interpolate(text, values);
}

/**
 * The text in the page's language, told apart from the same English words elsewhere by a
 * context (a short "Read" status is not the verb).
 * @param {string} context
 * @param {string} msgid
 * @param {Record<string, unknown>} [values] named values for "%(name)s"
 * @returns {string}
 */
export function pgettext(context, msgid, values) {
  const { pgettext: lookup } = catalogue();
  return interpolate(typeof lookup === "function" ? lookup(context, msgid) : msgid, values);
}
