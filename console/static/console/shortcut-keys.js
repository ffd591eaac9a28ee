// U1: the console's keyboard shortcuts, as a table (pure: no DOM, unit-tested), and which
// one a key press is. shortcuts.js does what each says; the overlay lists this table.
//
// Every shortcut is Alt (Option on a Mac) plus a key, read from the key's position
// (event.code). In a text box a press counts only when it types nothing of its own: on a
// Mac, Option+A types "å" (or "ą" on a Polish layout) and Option+↑ moves the caret, so
// there the letters work with Alt outside the text box (or with a layout where Alt types
// nothing), and a Mac's arrows only outside it.

import { gettext } from "./i18n.js";

/** @typedef {"accept" | "next" | "previous" | "unread" | "compose" | "quote" | "react" | "done" | "help"} Action */

/**
 * A shortcut: the key's code with Alt, its label for the overlay and what it does.
 * @typedef {{ code: string, keys: string, label: string, action: Action }} Shortcut
 */

/** @type {Shortcut[]} */
export const SHORTCUTS = [
  { code: "KeyA", keys: "Alt+A", label: gettext("Accept the newest offer"), action: "accept" },
  { code: "ArrowDown", keys: "Alt+↓", label: gettext("Next conversation"), action: "next" },
  { code: "ArrowUp", keys: "Alt+↑", label: gettext("Previous conversation"), action: "previous" },
  { code: "KeyU", keys: "Alt+U", label: gettext("Next conversation with unread messages"), action: "unread" },
  { code: "KeyC", keys: "Alt+C", label: gettext("Write in the open conversation"), action: "compose" },
  { code: "KeyR", keys: "Alt+R", label: gettext("Reply to the customer's last message (quoted)"), action: "quote" },
  { code: "KeyL", keys: "Alt+L", label: gettext("React to the customer's last message"), action: "react" },
  { code: "KeyD", keys: "Alt+D", label: gettext("Done with the open conversation"), action: "done" },
  { code: "Slash", keys: "Alt+/", label: gettext("Show these shortcuts"), action: "help" },
];

/**
 * Which shortcut a key press is, if any.
 * @param {{ code: string, altKey: boolean, ctrlKey: boolean, metaKey: boolean, shiftKey: boolean, key: string }} event
 * @param {boolean} typing the focus is in a text box
 * @param {boolean} [mac] a Mac, where Option+↑/↓ moves a text box's caret
 * @returns {Shortcut | null}
 */
export function shortcutFor(event, typing, mac = false) {
  if (event.altKey && !event.ctrlKey && !event.metaKey) {
    const shortcut = SHORTCUTS.find((one) => one.code === event.code) || null;
    if (shortcut && typing && !typesNothing(event, shortcut, mac)) return null;
    return shortcut;
  }
  if (!typing && event.key === "?" && !event.altKey && !event.ctrlKey && !event.metaKey) {
    return SHORTCUTS.find((shortcut) => shortcut.action === "help") || null;
  }
  return null;
}

/**
 * Whether Alt plus this key leaves a text box's content and caret alone: the key gives its
 * own plain character ("a" for KeyA, "/" for Slash), as Alt does on Windows and Linux. A
 * Mac's Option gives another character (å, ∂, ÷) or a dead key, and moves the caret with
 * the arrows: those belong to the text box.
 * @param {{ key: string }} event @param {Shortcut} shortcut @param {boolean} mac
 */
function typesNothing(event, shortcut, mac) {
  if (shortcut.code.startsWith("Key")) return event.key.toLowerCase() === shortcut.code.slice(3).toLowerCase();
  if (shortcut.code === "Slash") return event.key === "/";
  return !mac; // Alt+arrows move nothing in a text box, but Option+arrows move a Mac's caret
}
