// U1: keyboard shortcuts for what an agent does all day, and the overlay that lists them
// (Alt+/ anywhere, or "?" outside a text box; the header's "Shortcuts" button too).
//
// Every shortcut is Alt (Option on a Mac) plus a key (shortcut-keys.js says which press
// counts, in a text box and out of it). Each one only does what a click on a button of
// the console would do: the server still decides (an offer already taken answers 409 as
// before). Nothing acts while a dialog is open, the list itself included.

import { canQuote } from "./bubbles.js";
import { byId, el } from "./dom.js";
import { SHORTCUTS, shortcutFor } from "./shortcut-keys.js";
import { gettext } from "./i18n.js";

/** @import { ConsoleApp } from "./console.js" */
/** @import { Action } from "./shortcut-keys.js" */

/** What each shortcut does (shortcut-keys.js says which key is which). @type {Record<Action, (app: ConsoleApp) => boolean>} */
const ACTIONS = {
  accept: acceptNewestOffer,
  next: (app) => step(app, 1),
  previous: (app) => step(app, -1),
  unread: nextUnread,
  compose: focusComposer,
  quote: quoteLast,
  react: reactToLast,
  done,
  help: (app) => app.shortcuts.open(),
};

const MAC = /Mac|iPhone|iPad/.test(navigator.platform || "");

/** @param {EventTarget | null} target */
function isTyping(target) {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.matches("textarea, input:not([type=checkbox]):not([type=radio]):not([type=button]), select");
}

/** @param {ConsoleApp} app */
function acceptNewestOffer(app) {
  const button = app.offers.root.querySelector(".offer-actions .btn--primary:not(:disabled)");
  if (!(button instanceof HTMLButtonElement)) return false;
  button.click(); // the newest card is first (prepended)
  return true;
}

/** @param {ConsoleApp} app @param {number} by */
function step(app, by) {
  const ids = app.tabIds();
  if (!ids.length) return false;
  const index = app.activeId === null ? -1 : ids.indexOf(app.activeId);
  const next = ids[(index + by + ids.length) % ids.length];
  app.activate(next);
  app.tabs.get(next)?.button.focus();
  return true;
}

/** @param {ConsoleApp} app */
function nextUnread(app) {
  const ids = app.tabIds();
  const start = app.activeId === null ? -1 : ids.indexOf(app.activeId);
  for (let n = 1; n <= ids.length; n += 1) {
    const id = ids[(start + n) % ids.length];
    const tab = app.tabs.get(id);
    if (tab && tab.unread > 0) {
      app.activate(id, { focus: true });
      return true;
    }
  }
  app.announce(gettext("No conversation has unread messages"));
  return true;
}

/** @param {ConsoleApp} app */
function focusComposer(app) {
  const tab = app.activeId === null ? undefined : app.tabs.get(app.activeId);
  if (!tab) return false;
  tab.focusComposer();
  return true;
}

/** @param {ConsoleApp} app */
function quoteLast(app) {
  const tab = app.activeId === null ? undefined : app.tabs.get(app.activeId);
  if (!tab) return false;
  let newest = null;
  for (const message of tab.transcript.messages.values()) {
    if (message.direction === "in" && message.interaction_id === tab.id && canQuote(message) && (!newest || message.id > newest.id)) newest = message;
  }
  if (!newest) return false;
  return tab.replyTo(newest);
}

/**
 * U1: open the React menu of the customer's last message (the keyboard's way to it: the
 * row's buttons are out of the Tab order); nothing while React is not offered.
 * @param {ConsoleApp} app
 */
function reactToLast(app) {
  const tab = app.activeId === null ? undefined : app.tabs.get(app.activeId);
  if (!tab) return false;
  const rows = tab.panel.querySelectorAll(`.row--in[data-message-id] .row-action--react`);
  const button = rows[rows.length - 1];
  if (!(button instanceof HTMLButtonElement) || button.offsetParent === null) return false;
  if (button.getAttribute("aria-expanded") !== "true") button.click();
  return true;
}

/** @param {ConsoleApp} app */
function done(app) {
  const tab = app.activeId === null ? undefined : app.tabs.get(app.activeId);
  if (!tab || tab.refs.done.hidden || tab.refs.done.disabled) return false; // the server did not allow it
  tab.refs.done.click();
  return true;
}

/** The overlay listing the shortcuts, and the document's key listener. */
export class Shortcuts {
  /** @param {ConsoleApp} app */
  constructor(app) {
    this.app = app;
    this.dialog = /** @type {HTMLDialogElement} */ (byId("shortcuts-dialog"));
    byId("shortcuts-list").replaceChildren(
      ...SHORTCUTS.map((shortcut) =>
        el("div", { class: "shortcut" }, el("dt", {}, el("kbd", { text: shortcut.keys })), el("dd", { text: shortcut.label })),
      ),
    );
    byId("shortcuts-close").addEventListener("click", () => this.dialog.close());
    byId("shortcuts-open").addEventListener("click", () => this.open());
    document.addEventListener("keydown", (event) => this.onKey(event));
  }

  open() {
    if (!this.dialog.open) this.dialog.showModal();
    return true;
  }

  /** @param {KeyboardEvent} event */
  onKey(event) {
    if (event.defaultPrevented || event.isComposing) return;
    if (document.querySelector("dialog[open]:not(#shortcuts-dialog)")) return; // another dialog has the keys
    const shortcut = shortcutFor(event, isTyping(event.target), MAC);
    if (this.dialog.open && shortcut && shortcut.action !== "help") return; // nothing acts behind the list
    if (shortcut && ACTIONS[shortcut.action](this.app)) event.preventDefault();
  }
}
