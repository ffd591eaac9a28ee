// Formatting for the console: times, durations, sizes, UTF-8 byte counts, names and the
// links in a text. DOM-free (unit-tested with node --test, tests/js/).

import { fmt, gettext, locale } from "./i18n.js";

/** @import { SurveyResult } from "./types.js" */

// A URL in running text; trailing punctuation is left out of the link.
const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"']+/gi;
const TRAILING = /[.,;:!?'")\]}]+$/;
// A name that ends in a number ("Customer …0002", "Order 4711") is told apart by that
// number: when the name is cut, only its head shrinks.
const DISTINGUISHING_TAIL = /\s+\S*\p{N}{2,}\S*$/u;
// U2: a name that is a phone number ("+4915112340002") keeps its last four digits whole.
const NUMBER_NAME = /^\+?\d[\d -]{4,}\d{4}$/;
const TAIL_MAX = 14;
const DAY_MS = 86400000;

/** @param {string | null | undefined} iso @returns {Date | null} */
export function toDate(iso) {
  if (!iso) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "14:05" (the page's language, U4). @param {Date | null} date */
export function timeOf(date) {
  return date ? date.toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" }) : "";
}

/** The date and time in full, for titles. @param {Date | null} date */
export function fullTimeOf(date) {
  return date ? date.toLocaleString(locale(), { dateStyle: "medium", timeStyle: "medium" }) : "";
}

/**
 * "Today", "Yesterday", else the date in words.
 * @param {Date | null} date
 * @param {Date} [today] now (tests pass it)
 */
export function dayOf(date, today = new Date()) {
  if (!date) return "";
  const yesterday = new Date(today.getTime() - DAY_MS);
  if (date.toDateString() === today.toDateString()) return gettext("Today");
  if (date.toDateString() === yesterday.toDateString()) return gettext("Yesterday");
  return date.toLocaleDateString(locale(), { weekday: "short", year: "numeric", month: "long", day: "numeric" });
}

/** "532 B", "1.5 KB", "12 MB" ("" for what is no number). @param {unknown} bytes */
export function humanSize(bytes) {
  const n = Number(bytes);
  if (!Number.isFinite(n) || n < 0) return "";
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB"];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** "0:07", "12:30", "1:02:03": how long something has been going on. @param {number} ms */
export function elapsed(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** "23 h 12 min", "8 min", "40 s": how much time is left. @param {number} ms */
export function remaining(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  if (total >= 3600) return `${Math.floor(total / 3600)} h ${Math.floor((total % 3600) / 60)} min`;
  if (total >= 60) return `${Math.floor(total / 60)} min`;
  return `${total} s`;
}

const encoder = new TextEncoder();

/** UTF-8 size, as WhatsApp counts a text message (emoji take several bytes). @param {string} text */
export function utf8Length(text) {
  return encoder.encode(text).length;
}

/** The first letter or digit of a name, upper case ("?" without one). @param {string | null | undefined} name */
export function initialOf(name) {
  const letter = String(name || "?").trim().match(/[\p{L}\p{N}]/u);
  return letter ? letter[0].toUpperCase() : "?";
}

/**
 * A one-line name split into the head the CSS may cut and the number at its end that stays
 * whole ("" when there is none): "Maria …0002" keeps " …0002", a name that is a phone
 * number keeps its last four digits ("+491511234" and "0002").
 * @param {string} text
 * @returns {{ head: string, tail: string }}
 */
export function splitName(text) {
  if (NUMBER_NAME.test(text)) return { head: text.slice(0, -4), tail: text.slice(-4) };
  const match = text.match(DISTINGUISHING_TAIL);
  if (!match || !match.index || match[0].length > TAIL_MAX) return { head: text, tail: "" };
  return { head: text.slice(0, match.index), tail: match[0] };
}

/**
 * A text cut into plain parts and its http(s) URLs (trailing punctuation stays text).
 * @param {unknown} text
 * @returns {{ text: string, url: boolean }[]}
 */
export function splitLinks(text) {
  const source = String(text ?? "");
  /** @type {{ text: string, url: boolean }[]} */
  const parts = [];
  let last = 0;
  for (const match of source.matchAll(URL_IN_TEXT)) {
    const raw = match[0].replace(TRAILING, "");
    const index = match.index ?? 0;
    if (!raw) continue;
    if (index > last) parts.push({ text: source.slice(last, index), url: false });
    parts.push({ text: raw, url: true });
    last = index + raw.length;
  }
  if (last < source.length) parts.push({ text: source.slice(last), url: false });
  return parts;
}

/**
 * B3: a survey after Done in a line of the history: the answer and its score, whether it
 * counts as satisfied, and the customer's comment; or that it is still unanswered.
 * @param {SurveyResult | null | undefined} survey
 * @returns {string}
 */
export function surveyWords(survey) {
  if (!survey) return "";
  if (survey.score === null || survey.score === undefined) return gettext("Survey: not answered");
  const verdict = survey.satisfied ? gettext("satisfied") : gettext("not satisfied");
  const comment = survey.comment ? ` · “${survey.comment}”` : "";
  return fmt(gettext("Survey: %(answer)s (%(score)s) · %(verdict)s%(comment)s"), { answer: survey.answer || "?", score: survey.score, verdict, comment });
}

/** "1 file", "3 files". @param {number} count @param {string} noun */
export function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/**
 * fn, called ``ms`` after the last call (``cancel()`` drops a pending one).
 * @template {unknown[]} A
 * @param {(...args: A) => unknown} fn
 * @param {number} ms
 * @returns {((...args: A) => void) & { cancel(): void }}
 */
export function debounce(fn, ms) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @param {A} args */
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}
