// A tab's entry in the conversation list: avatar, name, time and preview of the last
// message, the pending reply dot (W5), the unread count, and the agent's part (R5, R6).

import { el, fillName } from "./dom.js";
import { initialOf, timeOf, toDate } from "./format.js";
import { colleagueOf } from "./bubbles.js";
import { summaryOf } from "./messages.js";
import { gettext } from "./i18n.js";

/** @import { Message, Part } from "./types.js" */

export class TabListItem {
  /**
   * @param {number} id the interaction
   * @param {() => void} onActivate the entry was clicked
   */
  constructor(id, onActivate) {
    this.avatar = el("span", { class: "avatar", "aria-hidden": "true" });
    this.name = el("span", { class: "chat-name" });
    this.time = el("time", { class: "chat-time" });
    this.preview = el("span", { class: "chat-preview", dir: "auto" });
    this.pending = el("span", { class: "pending-dot", hidden: true });
    this.unread = el("span", { class: "unread", hidden: true });
    this.role = el("span", { class: "chat-role", hidden: true });
    this.button = el(
      "button",
      {
        type: "button",
        role: "tab",
        id: `tab-${id}`,
        class: "chat-item",
        "aria-selected": "false",
        "aria-controls": `panel-${id}`,
        tabindex: "-1",
        dataset: { interactionId: String(id) },
        onclick: onActivate,
      },
      this.avatar,
      el(
        "span",
        { class: "chat-main" },
        el("span", { class: "chat-top" }, this.name, this.time),
        el("span", { class: "chat-bottom" }, this.preview, this.role, this.pending, this.unread),
      ),
    );
  }

  /**
   * The name, the last message (who wrote it, when) and the unread count.
   * @param {object} shown
   * @param {string} shown.name the customer's
   * @param {Message | null} shown.last this interaction's last message
   * @param {number} shown.agentId
   * @param {number} shown.unread
   */
  render({ name, last, agentId, unread }) {
    this.avatar.textContent = initialOf(name);
    fillName(this.name, name);
    if (last) {
      const colleague = colleagueOf(last, agentId);
      const prefix = last.direction === "out" ? (colleague ? `${colleague}: ` : gettext("You: ")) : "";
      this.preview.textContent = prefix + summaryOf(last, { contactName: name }).replace(/\s+/g, " ").slice(0, 80);
      this.time.textContent = timeOf(toDate(last.arrived_at));
    } else {
      this.preview.textContent = "";
    }
    this.unread.hidden = unread === 0;
    this.unread.textContent = String(unread);
    this.unread.setAttribute("aria-label", `${unread} unread`);
  }

  /** W5: the pending reply dot (null: no reply pending). @param {{ level: string, title: string } | null} pending */
  setPending(pending) {
    this.pending.hidden = !pending;
    if (!pending) return;
    this.pending.className = `pending-dot pending-dot--${pending.level}`;
    this.pending.title = pending.title;
  }

  /** R5, R6: a badge for a conference guest or a consulted agent. @param {Part} part */
  setPart(part) {
    const badge = { conference: gettext("Conference"), consultation: gettext("Consultation") }[/** @type {string} */ (part)];
    this.role.hidden = !badge;
    this.role.textContent = badge || "";
    this.role.title = part === "consultation" ? gettext("You are consulted") : badge ? gettext("You are in a conference") : "";
  }

  /** @param {boolean} active */
  setActive(active) {
    this.button.setAttribute("aria-selected", String(active));
    this.button.tabIndex = active ? 0 : -1;
    this.button.classList.toggle("chat-item--active", active);
  }
}
