// W1–W3, W6: the transcript of one interaction tab.
//
// Messages are kept by id and merged from every source (transcript pages, catch-up
// pages, POST answers, WebSocket frames), so a message shown twice or out of order is
// impossible by construction (messages.js). They are shown in the order they reached us
// (arrival time, then id): a late message appears at the bottom, where the agent sees it,
// with its origination time in bold (delayed) and in red when it originated before the
// message shown above it (out of chronological order).
//
// Rows (bubbles.js) are rebuilt only when what they show changes; delivery ticks are
// updated in place so that a playing video or audio is never interrupted by a status update.

import { el } from "./dom.js";
import { dayOf, fullTimeOf, timeOf, toDate } from "./format.js";
import { buildRow, openPicker, updateTicks } from "./bubbles.js";
import { arrivalOrder, mergeMessage, timing, withReaction, withStatus } from "./messages.js";
import { gettext } from "./i18n.js";

/** @import { Message, MessageError, Options, TranscriptPage } from "./types.js" */
/** @import { RowContext, TimeFlags } from "./bubbles.js" */

const PINNED_DISTANCE = 60;

/**
 * @typedef {object} TranscriptHost
 * @property {number} interactionId the tab's interaction (earlier ones are shown above it)
 * @property {() => Options} options
 * @property {(cursor: string) => Promise<TranscriptPage>} loadOlder the page before ``cursor``
 * @property {(error: unknown) => void} onError
 * @typedef {RowContext & TranscriptHost} TranscriptContext
 */

/** @typedef {{ node: HTMLElement, key: string }} RowEntry */
/** @typedef {{ id: number, created_at?: string | null }} Session */

export class Transcript {
  /**
   * @param {object} parts
   * @param {HTMLElement} parts.scroller the scrolling element
   * @param {HTMLElement} parts.list the <ol> of rows
   * @param {HTMLButtonElement} parts.olderButton "see older messages…"
   * @param {HTMLButtonElement} parts.pill "new messages ↓"
   * @param {TranscriptContext} parts.context
   */
  constructor({ scroller, list, olderButton, pill, context }) {
    this.scroller = scroller;
    this.list = list;
    this.olderButton = olderButton;
    this.pill = pill;
    this.context = context;
    /** @type {Map<number, Message>} */
    this.messages = new Map();
    /** @type {Map<number, Session>} */
    this.sessions = new Map();
    /** Rows by message id, and the separators by their key. @type {Map<number | string, RowEntry>} */
    this.rows = new Map();
    /** @type {Map<number, number>} message id → until when it blinks */
    this.blinking = new Map();
    /** @type {string | null} */
    this.older = null;
    this.loaded = false;
    this.pinned = true;
    this.loadingOlder = false;
    scroller.addEventListener("scroll", () => {
      this.pinned = this.distanceFromBottom() < PINNED_DISTANCE;
      if (this.distanceFromBottom() < 4) this.pill.hidden = true;
    });
    pill.addEventListener("click", () => {
      this.scrollToBottom();
      this.pill.hidden = true;
    });
    olderButton.addEventListener("click", () => this.loadOlder());
  }

  distanceFromBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight;
  }

  scrollToBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.pinned = true;
  }

  get ordered() {
    return [...this.messages.values()].sort(arrivalOrder);
  }

  /** The first transcript page (current interaction plus earlier ones). @param {TranscriptPage} page */
  load(page) {
    this.addSessions(page.interactions);
    for (const message of page.messages || []) this.put(message);
    this.older = page.older || null;
    this.loaded = true;
    this.render({ force: true });
  }

  /** @param {TranscriptPage["interactions"]} sessions */
  addSessions(sessions) {
    for (const session of Object.values(sessions || {})) this.sessions.set(Number(session.id), { ...session, id: Number(session.id) });
  }

  /** Merge one message; the merged message if it is new, else null. @param {Message} message */
  put(message) {
    const known = this.messages.get(message.id);
    const merged = mergeMessage(known, message);
    this.messages.set(message.id, merged);
    return known ? null : merged;
  }

  /**
   * Merge messages; live ones (frames, catch-up) blink and scroll as the options say.
   * @param {Message[]} messages
   * @returns {Message[]} the ones that are new
   */
  merge(messages, { live = true } = {}) {
    /** @type {Message[]} */
    const added = [];
    for (const message of messages) {
      const fresh = this.put(message);
      if (fresh) added.push(fresh);
    }
    if (live && this.loaded) {
      const options = this.context.options();
      const seconds = Number(options["whatsappsession.new-message-blinking-duration"]) || 0;
      if (options["whatsappsession.new-message-blinking"] && seconds > 0) {
        for (const message of added) if (message.direction === "in") this.blink(message.id, seconds * 1000);
      }
    }
    this.render({ added: live ? added : [] });
    return added;
  }

  /** @param {number} id @param {number} ms */
  blink(id, ms) {
    this.blinking.set(id, Date.now() + ms);
    setTimeout(() => {
      this.blinking.delete(id);
      const row = this.rows.get(id);
      if (row) row.node.classList.remove("is-new");
    }, ms);
  }

  /**
   * A message.status frame; false when the message is not shown (the tab catches up).
   * @param {number} id
   * @param {string} status
   * @param {MessageError | null | undefined} error
   */
  setStatus(id, status, error) {
    const known = this.messages.get(id);
    if (!known) return false;
    this.messages.set(id, withStatus(known, status, error));
    this.render();
    return true;
  }

  /**
   * A message.reaction frame: one reaction per side and message; "" removes it.
   * @param {number} id
   * @param {string} direction
   * @param {string} emoji
   * @param {{ status?: string, error?: string, author_name?: string }} [state] U1: the business's send
   */
  setReaction(id, direction, emoji, state = {}) {
    const known = this.messages.get(id);
    if (!known) return false;
    this.messages.set(id, withReaction(known, direction, emoji, state));
    this.render();
    return true;
  }

  async loadOlder() {
    if (!this.older || this.loadingOlder) return;
    this.loadingOlder = true;
    this.olderButton.disabled = true;
    this.olderButton.textContent = gettext("loading older messages…");
    try {
      const page = await this.context.loadOlder(this.older);
      const before = { height: this.scroller.scrollHeight, top: this.scroller.scrollTop };
      this.addSessions(page.interactions);
      for (const message of page.messages || []) this.put(message);
      this.older = page.older || null;
      this.render({ keep: before });
    } catch (error) {
      this.context.onError(error);
    } finally {
      this.loadingOlder = false;
      this.olderButton.disabled = false;
      this.olderButton.textContent = gettext("see older messages…");
      this.olderButton.hidden = !this.older;
    }
  }

  /**
   * Show the messages: new rows where they changed, separators where a session or a day
   * begins, then scroll as the options say.
   * @param {{ added?: Message[], force?: boolean, keep?: { height: number, top: number } | null }} [how]
   */
  render({ added = [], force = false, keep = null } = {}) {
    const options = this.context.options();
    const delayLimit = (Number(options["whatsappsession.message-delay-timespan"]) || 0) * 1000;
    /** @type {HTMLElement[]} */
    const wanted = [];
    /** @type {number | null} */
    let previousSession = null;
    /** @type {number | null} */
    let previousOrigin = null;
    /** @type {string | null} */
    let previousDay = null;
    for (const message of this.ordered) {
      const origination = toDate(message.origination_at);
      const arrival = toDate(message.arrived_at) || origination;
      /** @type {string | null} */
      const day = arrival ? arrival.toDateString() : previousDay;
      if (message.interaction_id !== previousSession) {
        // W1: the session's start date, centred, where the transcript enters another session.
        wanted.push(this.separator(message.interaction_id, message));
        previousSession = message.interaction_id;
      } else if (day !== previousDay && arrival) {
        wanted.push(this.daySeparator(arrival));
      }
      previousDay = day;
      const { delayed, outOfOrder, originSecond } = timing(message, previousOrigin, delayLimit);
      if (originSecond !== null) previousOrigin = originSecond;
      wanted.push(this.row(message, { delayed, outOfOrder }));
    }
    const focused = this.focusedAction();
    const picking = this.openPicker();
    this.reconcile(wanted);
    if (focused && !focused.node.isConnected) {
      // U1: a row drawn again (a reaction, a status) keeps the keyboard on its action.
      const again = this.list.querySelector(`.row[data-message-id="${focused.id}"] .${focused.kind}`);
      if (again instanceof HTMLElement) again.focus();
    }
    if (picking && !picking.node.isConnected) {
      // U1: the reaction picker stays open, on the same emoji, when its row is drawn again (its
      // own reaction's status, a renamed contact) while the agent is choosing.
      const react = this.list.querySelector(`.row[data-message-id="${picking.id}"] .row-action--react`);
      const message = this.messages.get(Number(picking.id));
      const { onReact } = this.context;
      if (react instanceof HTMLButtonElement && message && onReact && !react.parentElement?.querySelector(".react-picker")) {
        openPicker(react, message, onReact);
        const item = [...(react.parentElement?.querySelectorAll(".react-choice") || [])].find(
          (choice) => choice.getAttribute("aria-label") === picking.label,
        );
        if (item instanceof HTMLElement) item.focus();
      }
    }
    this.olderButton.hidden = !this.older;

    if (keep) {
      this.scroller.scrollTop = keep.top + (this.scroller.scrollHeight - keep.height);
      return;
    }
    const own = added.some((m) => m.direction === "out");
    const inbound = added.some((m) => m.direction === "in");
    if (force || own) {
      this.scrollToBottom();
    } else if (inbound) {
      if (options["whatsappsession.focus-on-new-messages"]) this.scrollToBottom();
      else if (this.distanceFromBottom() > 4) {
        this.pill.hidden = false;
        this.pinned = false;
      }
    } else if (this.pinned) {
      this.scrollToBottom();
    }
  }

  /** Put the wanted rows in order, moving only what is out of place (media keep playing). @param {HTMLElement[]} wanted */
  reconcile(wanted) {
    const keep = new Set(wanted);
    for (const child of [...this.list.children]) if (!(child instanceof HTMLElement) || !keep.has(child)) child.remove();
    wanted.forEach((node, index) => {
      if (this.list.children[index] !== node) this.list.insertBefore(node, this.list.children[index] || null);
    });
    for (const [id, entry] of this.rows) if (!keep.has(entry.node)) this.rows.delete(id);
  }

  /** @param {number} interactionId @param {Message} firstMessage */
  separator(interactionId, firstMessage) {
    const session = this.sessions.get(interactionId);
    const created = toDate(session && session.created_at);
    const first = toDate(firstMessage.origination_at);
    // A session starts with its first message at the latest (imported history may say otherwise).
    const started = created && first ? (first < created ? first : created) : created || first;
    const current = interactionId === this.context.interactionId;
    const label = `${current ? gettext("Conversation started") : gettext("Earlier conversation")} · ${dayOf(started)} ${timeOf(started)}`;
    const key = `session:${interactionId}:${label}`;
    const known = this.rows.get(key);
    if (known) return known.node;
    const node = el(
      "li",
      { class: `separator${current ? "" : " separator--earlier"}`, dataset: { interactionId: String(interactionId) } },
      el("span", { text: label, title: fullTimeOf(started) }),
    );
    this.rows.set(key, { node, key });
    return node;
  }

  /** @param {Date} date */
  daySeparator(date) {
    const label = dayOf(date);
    const key = `day:${date.toDateString()}:${label}`;
    const known = this.rows.get(key);
    if (known) return known.node;
    const node = el("li", { class: "separator separator--day" }, el("span", { text: label, title: fullTimeOf(date) }));
    this.rows.set(key, { node, key });
    return node;
  }

  /** @param {Message} message @param {TimeFlags} flags */
  row(message, flags) {
    const ctx = this.context;
    const key = JSON.stringify([
      message.type, message.body, message.content, message.attachment, message.reactions, message.quoted,
      message.revoked, message.edited, message.status === "failed", message.error_code, message.error_title,
      message.error_details, message.errors, message.origination_at, message.arrived_at, flags, ctx.mapTemplate,
      message.author_id !== ctx.agentId ? message.author_name : "", ctx.contactName(),
    ]);
    let entry = this.rows.get(message.id);
    if (!entry || entry.key !== key) {
      entry = { node: buildRow(message, flags, ctx), key };
      this.rows.set(message.id, entry);
    }
    const node = entry.node;
    node.dataset.status = message.status || "";
    node.classList.toggle("is-new", (this.blinking.get(message.id) || 0) > Date.now());
    updateTicks(node, message);
    return node;
  }

  /** The row action (Reply, React…) that has the focus, if any: its message and kind. */
  focusedAction() {
    const node = document.activeElement;
    if (!(node instanceof HTMLElement) || !node.classList.contains("row-action") || !this.list.contains(node)) return null;
    const row = node.closest(".row");
    const kind = [...node.classList].find((c) => c.startsWith("row-action--") && c !== "row-action--done");
    return row instanceof HTMLElement && kind ? { node, id: row.dataset.messageId, kind } : null;
  }

  /** The reaction picker open in the transcript, if any: its message, its item with the focus. */
  openPicker() {
    const picker = this.list.querySelector(".react-picker:not([data-closing])");
    const row = picker && picker.closest(".row");
    if (!(picker instanceof HTMLElement) || !(row instanceof HTMLElement)) return null;
    const active = document.activeElement;
    const label = active instanceof HTMLElement && picker.contains(active) ? active.getAttribute("aria-label") : null;
    return { node: picker, id: row.dataset.messageId, label };
  }

  /** Highest id of this interaction's customer messages on screen. */
  lastInboundId() {
    let best = 0;
    for (const m of this.messages.values()) {
      if (m.direction === "in" && m.interaction_id === this.context.interactionId && m.id > best) best = m.id;
    }
    return best;
  }

  /** This interaction's last message (earlier conversations' do not count). */
  last() {
    const current = this.ordered.filter((m) => m.interaction_id === this.context.interactionId);
    return current[current.length - 1] || null;
  }
}
