// W4 composer, W8 emoji picker, M2 sending files, O1 the closed window, T1 the files of
// a standard response, R6 read only for a consulted agent.
//
// Enter sends, Shift+Enter starts a new line. The UTF-8 size is counted as WhatsApp
// counts it; over whatsappsession.max-text-message-size a notice shows under the message
// area and Send is disabled. Every draft carries a client_ref: a double click, or a
// retry after a network error, sends it once. A standard response's files wait as chips
// above the composer, and so do the files the agent attaches (uploaded at once, each with
// its caption and removable, in the order attached; with two-step upload off they leave
// as soon as they are uploaded). Send — the button, Enter, or the files' own Send — sends
// the text first, then each file as its own message, in order (a failure stops there:
// Send again goes on from the file that failed). A repeated
// client_ref is answered with the message already sent (200, "replayed"); one refused as
// reused for another content (409 client_ref_reused) gets a fresh ref at the next Send.

import { fmt, ngettext } from "./i18n.js";
import { composerRules, draftState } from "./conversation.js";
import { el, uuid } from "./dom.js";
import { describeError } from "./errors.js";
import { utf8Length } from "./format.js";
import { icon } from "./icons.js";
import { fileChip } from "./library.js";
import { StagedFiles } from "./staged.js";
import { errorCode } from "./api.js";

/** @import { Attachment, Options, ResponseFile, StandardResponse } from "./types.js" */
/** @import { TabRefs } from "./tab-refs.js" */
/** @import { WindowState } from "./conversation.js" */

/**
 * What the composer asks of its tab.
 * @typedef {object} ComposerHost
 * @property {() => Options} options
 * @property {() => string[]} emojis
 * @property {(payload: Record<string, unknown>) => Promise<unknown>} send a message (POST messages/)
 * @property {(file: File) => Promise<Attachment>} upload
 * @property {(id: number) => Promise<Attachment>} useAttachment a standard response's file as an ATTACHMENT
 * @property {(text: string) => void} [onDraft] the unsent text changed
 * @property {() => void} [onTyping] the agent typed
 */

/** A standard response's file, sent after the text (T1). @typedef {{ file: ResponseFile, ref: string, attachment: Attachment | null }} Chip */

export class Composer {
  /** @param {TabRefs} refs the tab's elements @param {ComposerHost} host */
  constructor(refs, host) {
    this.refs = refs;
    this.host = host;
    this.sending = false;
    /** Send was asked for (Enter, the button) while a send was on its way: it goes right
     * after, with what is in the composer then (a fast agent's Enter is not lost). */
    this.sendAsked = false;
    /** The text on its way and its client_ref (a retry of the same text reuses it). @type {{ text: string | null, ref: string | null }} */
    this.draft = { text: null, ref: null };
    /** M2: the files attached, waiting for Send. */
    this.files = new StagedFiles(refs, {
      upload: host.upload,
      changed: () => this.update(),
      failed: (error) => this.showError(error),
      sendNow: () => this.sendText(),
      sending: () => this.sending,
    });
    /** T1: a standard response's files, sent after the text. @type {Chip[]} */
    this.chips = [];
    this.windowOpen = true; // free text may be typed (perhaps to go out as a notification)
    this.filesAllowed = true; // the 24-hour window is open
    /** @type {string | null} */
    this.windowKey = null;
    /** @type {Pick<WindowState, "open" | "replyOpen" | "fallback" | "expires">} */
    this.windowState = { open: true, replyOpen: true, fallback: false, expires: 0 };
    /** U1: the message the next text quotes (WhatsApp's context.message_id). @type {{ id: number } | null} */
    this.replying = null;
    /** R6: why nothing can be written (a consulted agent). @type {string | null} */
    this.readOnly = null;
    /** @type {string | undefined} */
    this.emojiKey = undefined;
    /** Until the constructor ends, what is typed is not kept as the draft (host.onDraft). @type {string | undefined} */
    this.savedText = undefined;
    this.buildEmojiPanel();
    this.bind();
    this.update();
    this.savedText = "";
  }

  get limit() {
    return Number(this.host.options()["whatsappsession.max-text-message-size"]) || 4096;
  }

  bind() {
    const { text, composer, file, emojiButton, previewSend, previewCancel } = this.refs;
    composer.addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendText();
    });
    text.addEventListener("keydown", (event) => {
      if (event.defaultPrevented) return; // the shortcut suggestions took it
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.sendText();
      } else if (event.key === "Escape" && !this.refs.emojiPanel.hidden) {
        this.toggleEmoji(false);
      } else if (event.key === "Escape" && this.replying) {
        this.replyTo(null);
      }
    });
    text.addEventListener("input", () => {
      this.update();
      // The agent types (not a restored draft): "typing…" for the customer (host throttles).
      if (text.value.trim() && !this.readOnly && this.host.onTyping) this.host.onTyping();
    });
    text.addEventListener("paste", (event) => {
      // Text pastes natively; pasted files (a screenshot) are attached.
      const files = [...((event.clipboardData && event.clipboardData.files) || [])];
      if (files.length && this.filesAllowed) {
        event.preventDefault();
        for (const pasted of files) this.attach(pasted);
      }
    });
    file.addEventListener("change", () => {
      const chosen = [...(file.files || [])];
      file.value = "";
      for (const one of chosen) this.attach(one);
    });
    emojiButton.addEventListener("click", () => this.toggleEmoji());
    this.refs.emojiPanel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        this.toggleEmoji(false);
        this.refs.emojiButton.focus();
      }
    });
    previewSend.addEventListener("click", () => this.sendText());
    this.refs.replyCancel.addEventListener("click", () => this.replyTo(null));
    previewCancel.addEventListener("click", () => this.clearPending());
    document.addEventListener("click", (event) => {
      if (this.refs.emojiPanel.hidden) return;
      const target = event.target instanceof Node ? event.target : null;
      if (!this.refs.emojiPanel.contains(target) && !this.refs.emojiButton.contains(target)) {
        this.toggleEmoji(false);
      }
    });
  }

  // --- text ---------------------------------------------------------------------------

  update() {
    const { text, count, notice, send, chipsNotice } = this.refs;
    const state = draftState({
      text: text.value,
      limit: this.limit,
      files: this.chips.length + this.files.items.length,
      responseFiles: this.chips.length,
      textAllowed: this.windowOpen,
      filesAllowed: this.filesAllowed,
      readOnly: Boolean(this.readOnly),
      sending: this.sending,
    });
    count.textContent = state.count;
    count.classList.toggle("count--over", state.over);
    notice.hidden = !state.over;
    notice.textContent = state.overNotice;
    text.setAttribute("aria-invalid", state.over ? "true" : "false");
    send.disabled = state.sendDisabled;
    this.refs.previewSend.disabled = send.disabled;
    chipsNotice.hidden = !state.chipsBlocked;
    chipsNotice.textContent = state.chipsNotice;
    if (this.savedText !== undefined && text.value !== this.savedText) {
      this.savedText = text.value;
      if (this.host.onDraft) this.host.onDraft(text.value);
    }
    // Grow with the text, up to a few lines (the CSS max-height: more with a large text size).
    text.style.height = "auto";
    const most = parseFloat(getComputedStyle(text).maxHeight) || 160;
    text.style.height = `${Math.min(text.scrollHeight, most)}px`;
  }

  /**
   * Send (the button, Enter, the files' Send): the text first, in its own message; then
   * each file of a standard response, then each file attached, in order.
   */
  sendText() {
    return this.sendAll({ withText: true });
  }

  /** withText false: only the attached files (two-step upload off: they leave on selection). @param {{ withText: boolean }} what */
  async sendAll({ withText }) {
    const { text } = this.refs;
    const body = withText ? text.value : "";
    const hasText = Boolean(body.trim());
    const files = (withText ? this.chips.length : 0) + this.files.items.length;
    if (this.sending) {
      if (withText) this.sendAsked = true;
      return;
    }
    if (this.readOnly || (!hasText && !files) || utf8Length(body) > this.limit) return;
    if ((hasText && !this.windowOpen) || (files && !this.filesAllowed)) return;
    if (hasText && this.draft.text !== body) this.draft = { text: body, ref: uuid() };
    this.sending = true;
    this.update();
    let failed = false;
    try {
      if (hasText) {
        /** @type {Record<string, unknown>} */
        const payload = { type: "text", body, client_ref: this.draft.ref };
        const quoted = this.replying;
        if (quoted) payload.reply_to = quoted.id;
        await this.host.send(payload);
        if (this.replying === quoted) this.replyTo(null, { focus: false }); // not one chosen meanwhile
        // What was typed while it was on its way stays; what was sent goes.
        if (text.value.startsWith(body)) text.value = text.value.slice(body.length).trimStart();
        this.draft = { text: null, ref: null };
      }
      if (withText) {
        while (this.chips.length) {
          const chip = this.chips[0];
          if (!chip.attachment) chip.attachment = await this.host.useAttachment(chip.file.id);
          await this.host.send({ type: chip.attachment.kind, attachment_id: chip.attachment.id, client_ref: chip.ref });
          this.chips.shift();
          this.renderChips();
        }
      }
      for (let item = this.files.items[0]; item; item = this.files.items[0]) {
        const attachment = await item.ready; // still uploading: it goes when uploaded
        /** @type {Record<string, unknown>} */
        const payload = { type: attachment.kind, attachment_id: attachment.id, client_ref: item.ref };
        const caption = item.caption.value.trim();
        if (caption && attachment.kind !== "audio" && attachment.kind !== "sticker") payload.body = caption;
        await this.host.send(payload);
        this.files.unstage(item);
      }
      this.showError(null);
    } catch (error) {
      failed = true;
      if (errorCode(error) === "client_ref_reused") this.freshRefs();
      this.showError(error);
    } finally {
      this.sending = false;
      this.update();
      if (withText) text.focus();
    }
    // Send asked for while this one was on its way: what the composer holds now goes
    // (not after a failure: its error is shown, and the agent decides).
    const asked = this.sendAsked;
    this.sendAsked = false;
    if (!failed && asked) this.sendAll({ withText: true });
    // Two-step upload off: a file attached while this send was on its way goes too.
    else if (!failed && this.files.items.length && !this.twoStep) this.sendAll({ withText: false });
  }

  /**
   * U1: quote ``message`` in the next text (null: no quote). The bar above the composer
   * says which message. The draft keeps its client_ref: a text resent after an unclear
   * failure is the same message whatever its quote (the server replays the stored one).
   * Returns whether the quote was taken (not while nothing can be written).
   * @param {{ id: number, summary: string } | null} message
   * @param {{ focus?: boolean }} [how]
   */
  replyTo(message, { focus = true } = {}) {
    const { replyBar, replyQuote, text } = this.refs;
    if (message && (this.readOnly || !this.windowOpen)) return false;
    this.replying = message ? { id: message.id } : null;
    replyQuote.textContent = message ? message.summary : "";
    replyBar.hidden = !message;
    if (focus && !text.disabled) text.focus();
    return true;
  }

  /** New references for what waits to be sent (the old ones were taken). */
  freshRefs() {
    this.draft = { text: null, ref: null };
    for (const chip of this.chips) chip.ref = uuid();
    for (const item of this.files.items) item.ref = uuid();
  }

  // --- T1: a standard response ---------------------------------------------------------

  /**
   * Its text into the message (replacing the "/shortcut" typed, if any), its files as chips.
   * @param {StandardResponse} response
   * @param {{ start: number, end: number } | null} [range]
   */
  insertResponse(response, range = null) {
    const { text } = this.refs;
    const start = range ? range.start : (text.selectionStart ?? text.value.length);
    const end = range ? range.end : (text.selectionEnd ?? start);
    text.setRangeText(response.text || "", start, end, "end");
    for (const file of response.attachments || []) this.chips.push({ file, ref: uuid(), attachment: null });
    this.renderChips();
    this.showError(null);
    if (!text.disabled) text.focus();
    this.update();
  }

  renderChips() {
    const { chipsBox, chips } = this.refs;
    chipsBox.hidden = this.chips.length === 0;
    chips.setAttribute("aria-label", fmt(ngettext("%(count)s file sent after the text", "%(count)s files sent after the text", this.chips.length), { count: this.chips.length }));
    chips.replaceChildren(...this.chips.map((chip) => fileChip(chip.file, { onRemove: () => this.removeChip(chip) })));
  }

  /** @param {Chip} chip */
  removeChip(chip) {
    const index = this.chips.indexOf(chip);
    if (index < 0 || this.sending) return;
    this.chips.splice(index, 1);
    this.renderChips();
    this.update();
    const next = this.refs.chips.querySelectorAll(".chip-remove")[Math.min(index, this.chips.length - 1)];
    if (next instanceof HTMLElement) next.focus();
    else if (!this.refs.text.disabled) this.refs.text.focus();
  }

  /** @param {string} snippet */
  insertAtCaret(snippet) {
    const { text } = this.refs;
    if (text.disabled) return;
    const start = text.selectionStart ?? text.value.length;
    const end = text.selectionEnd ?? start;
    text.setRangeText(snippet, start, end, "end");
    text.focus();
    this.update();
  }

  // --- emoji ---------------------------------------------------------------------------

  /** W8: the picker's emojis (again when the resync brings another set). */
  buildEmojiPanel() {
    const panel = this.refs.emojiPanel;
    const emojis = this.host.emojis() || [];
    const key = emojis.join("\u0000");
    if (key === this.emojiKey) return;
    this.emojiKey = key;
    panel.replaceChildren(
      ...emojis.map((emoji) =>
        el("button", {
          type: "button",
          class: "emoji",
          text: emoji,
          title: emoji,
          "aria-label": `Insert ${emoji}`,
          onclick: () => {
            this.insertAtCaret(emoji);
            this.toggleEmoji(false);
          },
        }),
      ),
    );
  }

  /** @param {boolean} [show] open (true), close (false) or switch (undefined) */
  toggleEmoji(show) {
    const { emojiPanel, emojiButton } = this.refs;
    const open = show ?? emojiPanel.hidden;
    emojiPanel.hidden = !open;
    emojiButton.setAttribute("aria-expanded", String(open));
    if (open) {
      const first = emojiPanel.querySelector("button");
      if (first) first.focus();
    }
  }

  // --- files ---------------------------------------------------------------------------

  get twoStep() {
    return Boolean(this.host.options()["whatsappsession.two-step-attachment-upload"]);
  }

  /**
   * M2: a file joins the ones waiting for Send (after any already there), uploaded at once.
   * With two-step upload off it is sent as soon as it is uploaded.
   * @param {File} file
   */
  attach(file) {
    if (!this.filesAllowed || this.readOnly) return;
    this.showError(null);
    const item = this.files.add(file);
    if (this.twoStep) item.caption.focus();
    else this.sendAll({ withText: false });
  }

  /** Every waiting file goes (Cancel, a closed window, read only). */
  clearPending() {
    this.files.clear();
  }

  // --- state ---------------------------------------------------------------------------

  /** The composer's error line (the server's refusal of a send); null hides it. @param {unknown} error */
  showError(error) {
    const box = this.refs.error;
    box.hidden = !error;
    box.replaceChildren();
    if (error) {
      box.append(icon("alert"), el("span", { text: describeError(error) }));
      box.dataset.code = errorCode(error);
    } else {
      delete box.dataset.code;
    }
  }

  /**
   * O1 / O2, R6: what may be written now (conversation.js composerRules says).
   * @param {Pick<WindowState, "open" | "replyOpen" | "fallback"> & { expires?: number }} state
   */
  setWindow({ open, replyOpen, fallback, expires = 0 }) {
    this.windowState = { open, replyOpen, fallback, expires };
    const readOnly = this.readOnly;
    const key = `${open}/${replyOpen}/${fallback}/${expires}/${readOnly}`;
    if (key === this.windowKey) return;
    this.windowKey = key;
    const rules = composerRules(this.windowState, readOnly);
    this.windowOpen = rules.textAllowed;
    if (!rules.textAllowed && this.replying) this.replyTo(null, { focus: false }); // no text: no quote
    this.filesAllowed = rules.filesAllowed;
    const { text, windowNotice, file, emojiButton, responsesButton, templatesButton } = this.refs;
    text.disabled = !rules.textAllowed;
    file.disabled = !rules.filesAllowed;
    // The paperclip is a label: it looks disabled with its input, and says why.
    const attach = file.closest(".attach");
    if (attach instanceof HTMLElement) {
      attach.classList.toggle("attach--disabled", !rules.filesAllowed);
      attach.setAttribute("aria-disabled", String(!rules.filesAllowed));
      attach.title = rules.attachTitle;
    }
    emojiButton.disabled = !rules.textAllowed;
    responsesButton.disabled = !rules.textAllowed;
    templatesButton.disabled = Boolean(readOnly);
    windowNotice.hidden = rules.noticeHidden;
    windowNotice.dataset.kind = rules.noticeKind;
    windowNotice.textContent = rules.notice;
    text.placeholder = rules.placeholder;
    if (readOnly || !open) this.clearPending();
    this.update();
  }

  /** R6: a consulted agent reads the conversation; ``reason`` says so (null: writable). @param {string | null} reason */
  setReadOnly(reason) {
    if ((reason || null) === this.readOnly) return;
    this.readOnly = reason || null;
    this.setWindow(this.windowState);
  }

  refreshOptions() {
    this.buildEmojiPanel();
    this.update();
  }
}
