// T1: finding standard responses by "/shortcut", without the DOM (tests/js/).

import { gettext } from "./i18n.js";

/** @import { StandardResponse } from "./types.js" */

// "/" and a shortcut at the start of the text or after a space, up to the caret.
const TOKEN = /(^|\s)\/([\p{L}\p{N}_-]*)$/u;

/**
 * The "/token" before the caret, if any: what it asks for and where it stands.
 * @param {string} value the text
 * @param {number} caret
 * @returns {{ query: string, start: number, end: number } | null}
 */
export function shortcutToken(value, caret) {
  const match = value.slice(0, caret).match(TOKEN);
  if (!match) return null;
  return { query: match[2], start: caret - match[2].length - 1, end: caret };
}

/**
 * Responses whose shortcut (then name) starts with ``query``, shortcuts first, at most ``max``.
 * @param {StandardResponse[]} responses
 * @param {string} query
 * @param {number} max
 */
export function matchResponses(responses, query, max) {
  const q = query.toLowerCase();
  const shortcut = responses.filter((r) => r.shortcut && r.shortcut.toLowerCase().startsWith(q));
  const named = q ? responses.filter((r) => !shortcut.includes(r) && r.name.toLowerCase().startsWith(q)) : [];
  return [...shortcut, ...named].slice(0, max);
}

/**
 * The responses by category, in the order met ("Other" for none).
 * @param {StandardResponse[]} responses
 * @returns {Map<string, StandardResponse[]>}
 */
export function byCategory(responses) {
  const groups = new Map();
  for (const response of responses) {
    const key = response.category || gettext("Other");
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(response);
  }
  return groups;
}
