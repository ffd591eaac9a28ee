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

import { el, humanSize, utf8Length, uuid } from "./dom.js";
import { icon } from "./icons.js";
import { fileChip } from "./library.js";

const FRIENDLY = {
  window_closed: "The 24-hour window is closed: only a notification (template) can be sent.",
  media_rejected: "This file cannot be sent",
  too_long: "The message is too long",
  closed: "This conversation is done.",
  template_invalid: "The notification cannot be sent as it is",
  client_ref_reused: "Not sent: this message's reference was already used for another message. Press Send again to send it.",
  transfer_not_configured: "Not configured",
  conference_disabled: "Not enabled",
  both_open: "Cannot assign",
};

export function describeError(error) {
  if (!error) return "";
  const lead = FRIENDLY[error.code];
  if (error.code === "window_closed") return error.message || lead;
  if (error.code === "client_ref_reused") return lead;
  if (lead && error.message && !error.message.startsWith(lead)) return `${lead}: ${error.message}`;
  return error.message || lead || "Something went wrong.";
}

export class Composer {
  /**
   * refs: the template's elements; host: { options(), emojis(), send(payload), upload(file),
   * useAttachment(id) (a standard response's file as an ATTACHMENT), onDraft(text) (the
   * unsent text changed), onTyping() (the agent typed) }.
   */
  constructor(refs, host) {
    this.refs = refs;
    this.host = host;
    this.sending = false;
    this.draft = { text: null, ref: null };
    this.staged = []; // files attached, waiting for Send: { file, ref, attachment, ready, node }
    this.chips = []; // T1: a standard response's files, sent after the text: { file, ref, attachment }
    this.windowOpen = true; // free text may be typed (perhaps to go out as a notification)
    this.filesAllowed = true; // the 24-hour window is open
    this.windowKey = null;
    this.windowState = { open: true, replyOpen: true, fallback: false };
    this.readOnly = null; // R6: why nothing can be written (a consulted agent)
    this.buildEmojiPanel();
    this.bind();
    this.update();
    this.savedText = ""; // from here on, what is typed is kept as the draft (host.onDraft)
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
    previewCancel.addEventListener("click", () => this.clearPending());
    document.addEventListener("click", (event) => {
      if (this.refs.emojiPanel.hidden) return;
      if (!this.refs.emojiPanel.contains(event.target) && !this.refs.emojiButton.contains(event.target)) {
        this.toggleEmoji(false);
      }
    });
  }

  // --- text ---------------------------------------------------------------------------

  update() {
    const { text, count, notice, send, chipsNotice } = this.refs;
    const bytes = utf8Length(text.value);
    const limit = this.limit;
    const over = bytes > limit;
    count.textContent = `${bytes} / ${limit} bytes`;
    count.classList.toggle("count--over", over);
    notice.hidden = !over;
    notice.textContent = over
      ? `Too long: ${bytes} bytes in UTF-8, the limit is ${limit} bytes. Shorten the message to send it.`
      : "";
    text.setAttribute("aria-invalid", over ? "true" : "false");
    const hasText = Boolean(text.value.trim());
    const files = this.chips.length + this.staged.length;
    const chipsBlocked = this.chips.length > 0 && !this.filesAllowed;
    send.disabled =
      Boolean(this.readOnly) || over || this.sending || (!hasText && !files) || (hasText && !this.windowOpen) || chipsBlocked;
    this.refs.previewSend.disabled = send.disabled;
    chipsNotice.hidden = !chipsBlocked;
    chipsNotice.textContent = chipsBlocked
      ? "Files cannot be sent while the 24-hour window is closed: remove them to send the text."
      : "";
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

  /** withText false: only the attached files (two-step upload off: they leave on selection). */
  async sendAll({ withText }) {
    const { text } = this.refs;
    const body = withText ? text.value : "";
    const hasText = Boolean(body.trim());
    const files = (withText ? this.chips.length : 0) + this.staged.length;
    if (this.readOnly || this.sending || (!hasText && !files) || utf8Length(body) > this.limit) return;
    if ((hasText && !this.windowOpen) || (files && !this.filesAllowed)) return;
    if (hasText && this.draft.text !== body) this.draft = { text: body, ref: uuid() };
    this.sending = true;
    this.update();
    let failed = false;
    try {
      if (hasText) {
        await this.host.send({ type: "text", body, client_ref: this.draft.ref });
        // What was typed while it was on its way stays; what was sent goes.
        if (text.value.startsWith(body)) text.value = text.value.slice(body.length).trimStart();
        this.draft = { text: null, ref: null };
      }
      while (withText && this.chips.length) {
        const chip = this.chips[0];
        if (!chip.attachment) chip.attachment = await this.host.useAttachment(chip.file.id);
        await this.host.send({ type: chip.attachment.kind, attachment_id: chip.attachment.id, client_ref: chip.ref });
        this.chips.shift();
        this.renderChips();
      }
      while (this.staged.length) {
        const item = this.staged[0];
        const attachment = await item.ready; // still uploading: it goes when uploaded
        const payload = { type: attachment.kind, attachment_id: attachment.id, client_ref: item.ref };
        const caption = item.caption.value.trim();
        if (caption && attachment.kind !== "audio" && attachment.kind !== "sticker") payload.body = caption;
        await this.host.send(payload);
        this.unstage(item);
      }
      this.showError(null);
    } catch (error) {
      failed = true;
      if (error.code === "client_ref_reused") this.freshRefs();
      this.showError(error);
    } finally {
      this.sending = false;
      this.update();
      if (withText) text.focus();
    }
    // Two-step upload off: a file attached while this send was on its way goes too.
    if (!failed && this.staged.length && !this.twoStep) this.sendAll({ withText: false });
  }

  /** New references for what waits to be sent (the old ones were taken). */
  freshRefs() {
    this.draft = { text: null, ref: null };
    for (const chip of this.chips) chip.ref = uuid();
    for (const item of this.staged) item.ref = uuid();
  }

  // --- T1: a standard response ---------------------------------------------------------

  /** Its text into the message (replacing the "/shortcut" typed, if any), its files as chips. */
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
    chips.setAttribute("aria-label", `${this.chips.length} file${this.chips.length === 1 ? "" : "s"} sent after the text`);
    chips.replaceChildren(...this.chips.map((chip) => fileChip(chip.file, { onRemove: () => this.removeChip(chip) })));
  }

  removeChip(chip) {
    const index = this.chips.indexOf(chip);
    if (index < 0 || this.sending) return;
    this.chips.splice(index, 1);
    this.renderChips();
    this.update();
    const next = this.refs.chips.querySelectorAll(".chip-remove")[Math.min(index, this.chips.length - 1)];
    if (next) next.focus();
    else if (!this.refs.text.disabled) this.refs.text.focus();
  }

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
   */
  attach(file) {
    if (!this.filesAllowed || this.readOnly) return;
    this.showError(null);
    const item = { file, ref: uuid(), attachment: null, previewUrl: null };
    item.node = this.stagedNode(item);
    item.ready = this.host.upload(file).then(
      (attachment) => {
        item.attachment = attachment;
        this.renderStagedItem(item);
        return attachment;
      },
      (error) => {
        this.unstage(item);
        this.showError(error);
        throw error;
      },
    );
    item.ready.catch(() => {}); // reported above; a send waiting on it reports it again
    this.staged.push(item);
    this.renderStaged();
    if (this.twoStep) item.caption.focus();
    else this.sendAll({ withText: false });
  }

  /** One waiting file: its preview, name, size, state, caption and a way to remove it. */
  stagedNode(item) {
    const name = item.file.name || "file";
    item.thumb = el("div", { class: "preview-thumb" });
    item.size = el("div", { class: "preview-size" });
    item.status = el("div", { class: "preview-status", role: "status" });
    item.caption = el("input", {
      type: "text",
      maxlength: "1024",
      placeholder: "Add a caption (optional)",
      "aria-label": `Caption for ${name}`,
      onkeydown: (event) => {
        if (event.key === "Enter") {
          event.preventDefault();
          this.sendText();
        }
      },
    });
    const node = el(
      "li",
      { class: "staged-item", dataset: { fileName: name } },
      item.thumb,
      el(
        "div",
        { class: "preview-info" },
        el("div", { class: "preview-name", text: name }),
        item.size,
        item.status,
        el("label", { class: "preview-caption" }, "Caption", item.caption),
      ),
      el(
        "button",
        {
          type: "button",
          class: "chip-remove",
          title: `Remove ${name}: it will not be sent`,
          "aria-label": `Remove ${name}`,
          onclick: () => this.removeStaged(item),
        },
        icon("close"),
      ),
    );
    this.renderStagedItem(item);
    return node;
  }

  renderStagedItem(item) {
    const { file, attachment } = item;
    item.size.textContent = [humanSize((attachment && attachment.size) || file.size), attachment ? attachment.kind : ""]
      .filter(Boolean)
      .join(" · ");
    item.status.textContent = attachment ? "" : "uploading…";
    const thumb = attachment && attachment.thumbnail_url;
    if (thumb) {
      item.thumb.replaceChildren(el("img", { src: thumb, alt: "Preview" }));
    } else if (file.type && file.type.startsWith("image/")) {
      if (!item.previewUrl) item.previewUrl = URL.createObjectURL(file);
      item.thumb.replaceChildren(el("img", { src: item.previewUrl, alt: "Preview" }));
    } else {
      const kind = (attachment && attachment.kind) || "";
      item.thumb.replaceChildren(icon(kind === "audio" ? "audio" : kind === "video" ? "video" : "doc"));
    }
  }

  renderStaged() {
    const { preview, stagedList } = this.refs;
    preview.hidden = this.staged.length === 0;
    stagedList.replaceChildren(...this.staged.map((item) => item.node));
    stagedList.setAttribute("aria-label", `${this.staged.length} file${this.staged.length === 1 ? "" : "s"} to send`);
    this.update();
  }

  unstage(item) {
    const index = this.staged.indexOf(item);
    if (index < 0) return;
    this.staged.splice(index, 1);
    if (item.previewUrl) URL.revokeObjectURL(item.previewUrl);
    this.renderStaged();
  }

  /** Remove one waiting file (not the one on its way). */
  removeStaged(item) {
    const index = this.staged.indexOf(item);
    if (index < 0 || (this.sending && index === 0)) return;
    this.unstage(item);
    const next = this.refs.stagedList.querySelectorAll(".chip-remove")[Math.min(index, this.staged.length - 1)];
    if (next) next.focus();
    else if (!this.refs.text.disabled) this.refs.text.focus();
  }

  /** Every waiting file goes (Cancel, a closed window, read only). */
  clearPending() {
    for (const item of [...this.staged]) if (!(this.sending && item === this.staged[0])) this.unstage(item);
  }

  // --- state ---------------------------------------------------------------------------

  showError(error) {
    const box = this.refs.error;
    box.hidden = !error;
    box.replaceChildren();
    if (error) {
      box.append(icon("alert"), el("span", { text: describeError(error) }));
      box.dataset.code = error.code || "";
    } else {
      delete box.dataset.code;
    }
  }

  /**
   * O1 / O2. Files need the 24-hour window. Free text needs the reply window; after it,
   * a server with the notification fallback sends the text appended to the default
   * notification template (the agent is told so), an older one refuses it.
   */
  setWindow({ open, replyOpen, fallback }) {
    this.windowState = { open, replyOpen, fallback };
    const readOnly = this.readOnly;
    const textAllowed = (replyOpen || fallback) && !readOnly;
    const key = `${open}/${replyOpen}/${fallback}/${readOnly}`;
    if (key === this.windowKey) return;
    this.windowKey = key;
    this.windowOpen = textAllowed;
    this.filesAllowed = open && !readOnly;
    const { text, windowNotice, file, emojiButton, responsesButton, templatesButton } = this.refs;
    text.disabled = !textAllowed;
    file.disabled = !this.filesAllowed;
    // The paperclip is a label: it looks disabled with its input, and says why.
    const attach = file.closest(".attach");
    if (attach) {
      attach.classList.toggle("attach--disabled", !this.filesAllowed);
      attach.setAttribute("aria-disabled", String(!this.filesAllowed));
      attach.title = this.filesAllowed
        ? "Attach a file"
        : readOnly
          ? "Files cannot be sent: read only"
          : "Files cannot be sent: the 24-hour window is closed";
    }
    emojiButton.disabled = !textAllowed;
    responsesButton.disabled = !textAllowed;
    templatesButton.disabled = Boolean(readOnly);
    windowNotice.hidden = replyOpen && !readOnly;
    windowNotice.dataset.kind = readOnly ? "readonly" : textAllowed ? "fallback" : "closed";
    if (readOnly) {
      windowNotice.textContent = readOnly;
      text.placeholder = "Consultation: read only";
      this.clearPending();
    } else if (replyOpen) {
      windowNotice.textContent = "";
      text.placeholder = "Type a message";
    } else if (textAllowed) {
      windowNotice.textContent = open
        ? "The response window has ended: only a notification can be sent. What you type goes out appended to the default notification template."
        : "The 24-hour window is closed: only a notification can be sent. What you type goes out appended to the default notification template; files cannot be sent.";
      text.placeholder = "Type the text of the notification";
    } else {
      windowNotice.textContent =
        "The customer has not written for 24 hours: the WhatsApp window is closed and only a notification (template) can be sent. Free text is disabled until the customer writes again.";
      text.placeholder = "Free text is disabled: the 24-hour window is closed";
    }
    if (!open) this.clearPending();
    this.update();
  }

  /** R6: a consulted agent reads the conversation; ``reason`` says so (null: writable). */
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
