// The header of a conversation: the customer's name and number (R8: the number this
// conversation is on), the queue and the channel, the pending response indicator (W5) and
// the window chip (O1, O2).

import { fmt, gettext } from "./i18n.js";
import { fillName } from "./dom.js";
import { windowChip } from "./conversation.js";
import { elapsed, initialOf, remaining, timeOf } from "./format.js";
import { nameOf, numberAside, profileAside } from "./identity.js";

/** @import { Contact } from "./types.js" */
/** @import { TabRefs } from "./tab-refs.js" */
/** @import { WindowState } from "./conversation.js" */

export class ConversationHeader {
  /** @param {Pick<TabRefs, "name" | "sub" | "avatar" | "pending" | "windowChip">} refs */
  constructor(refs) {
    this.refs = refs;
  }

  /**
   * @param {Contact} contact
   * @param {object} where
   * @param {string | undefined} where.number the number this conversation is on
   * @param {string | undefined} where.queue
   * @param {string | undefined} where.channel
   */
  render(contact, { number, queue, channel }) {
    // U2: the server's name; the number and (when the name is not it) the profile name beside
    const name = nameOf(contact);
    const { name: title, sub, avatar } = this.refs;
    fillName(title, name);
    avatar.textContent = initialOf(name);
    sub.textContent = [numberAside(contact, number), profileAside(contact), queue, channel].filter(Boolean).join(" · ");
    sub.title = sub.textContent;
  }

  /**
   * W5: how long the customer has waited for a reply (null: nobody waits). True when it
   * just turned red.
   * @param {{ level: string, waited: number, since: Date } | null} pending
   */
  showPending(pending) {
    const box = this.refs.pending;
    if (!pending) {
      box.hidden = true;
      box.dataset.level = "";
      return false;
    }
    const turnedRed = pending.level === "red" && box.dataset.level !== "red";
    box.hidden = false;
    box.dataset.level = pending.level;
    box.className = `pending pending--${pending.level}`;
    box.textContent = fmt(gettext("Reply pending %(elapsed)s"), { elapsed: elapsed(pending.waited) });
    box.title = fmt(gettext("The customer has been waiting for a reply since %(time_of)s"), { time_of: timeOf(pending.since) });
    return turnedRed;
  }

  /** O1, O2: the window chip. @param {WindowState} state @param {number} now */
  showWindow(state, now) {
    const chip = this.refs.windowChip;
    const shown = windowChip(state, now, remaining);
    chip.dataset.state = shown.state;
    chip.className = `window-chip window-chip--${shown.state}`;
    chip.textContent = shown.text;
    chip.title = shown.title;
  }
}
