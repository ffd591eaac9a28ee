// W4 composer, W8 emoji picker, M2 sending files, O1 the closed window, T1 the files of
// a standard response, R6 read only for a consulted agent.
//
// Enter sends, Shift+Enter starts a new line. The UTF-8 size is counted as WhatsApp
// counts it; over whatsappsession.max-text-message-size a notice shows under the message
// area and Send is disabled. Every draft carries a client_ref: a double click, or a
// retry after a network error, sends it once. A standard response's files wait as chips
// above the composer; Send sends the text first, then each file as its own message, in
// order (a failure stops there: Send again goes on from the file that failed). A repeated
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
    this.pending = null; // an uploaded attachment waiting for Send (two-step upload)
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
      // Text pastes natively; a pasted file (a screenshot) is attached.
      const files = [...((event.clipboardData && event.clipboardData.files) || [])];
      if (files.length && this.filesAllowed) {
        event.preventDefault();
        this.attach(files[0]);
      }
    });
    file.addEventListener("change", () => {
      const chosen = file.files && file.files[0];
      file.value = "";
      if (chosen) this.attach(chosen);
    });
    emojiButton.addEventListener("click", () => this.toggleEmoji());
    this.refs.emojiPanel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        this.toggleEmoji(false);
        this.refs.emojiButton.focus();
      }
    });
    previewSend.addEventListener("click", () => this.sendPending());
    previewCancel.addEventListener("click", () => this.clearPending());
    this.refs.caption.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        this.sendPending();
      }
    });
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
    const chipsBlocked = this.chips.length > 0 && !this.filesAllowed;
    send.disabled =
      Boolean(this.readOnly) || over || this.sending || (!hasText && !this.chips.length) || (hasText && !this.windowOpen) || chipsBlocked;
    chipsNotice.hidden = !chipsBlocked;
    chipsNotice.textContent = chipsBlocked
      ? "Files cannot be sent while the 24-hour window is closed: remove them to send the text."
      : "";
    if (this.savedText !== undefined && text.value !== this.savedText) {
      this.savedText = text.value;
      if (this.host.onDraft) this.host.onDraft(text.value);
    }
    // Grow with the text, up to a few lines.
    text.style.height = "auto";
    text.style.height = `${Math.min(text.scrollHeight, 160)}px`;
  }

  /** Send: the text first, in its own message; then each file of a standard response, in order. */
  async sendText() {
    const { text } = this.refs;
    const body = text.value;
    const hasText = Boolean(body.trim());
    if (this.readOnly || this.sending || (!hasText && !this.chips.length) || utf8Length(body) > this.limit) return;
    if ((hasText && !this.windowOpen) || (this.chips.length && !this.filesAllowed)) return;
    if (hasText && this.draft.text !== body) this.draft = { text: body, ref: uuid() };
    this.sending = true;
    this.update();
    try {
      if (hasText) {
        await this.host.send({ type: "text", body, client_ref: this.draft.ref });
        // What was typed while it was on its way stays; what was sent goes.
        if (text.value.startsWith(body)) text.value = text.value.slice(body.length).trimStart();
        this.draft = { text: null, ref: null };
      }
      while (this.chips.length) {
        const chip = this.chips[0];
        if (!chip.attachment) chip.attachment = await this.host.useAttachment(chip.file.id);
        await this.host.send({ type: chip.attachment.kind, attachment_id: chip.attachment.id, client_ref: chip.ref });
        this.chips.shift();
        this.renderChips();
      }
      this.showError(null);
    } catch (error) {
      if (error.code === "client_ref_reused") this.freshRefs();
      this.showError(error);
    } finally {
      this.sending = false;
      this.update();
      text.focus();
    }
  }

  /** New references for what waits to be sent (the old ones were taken). */
  freshRefs() {
    this.draft = { text: null, ref: null };
    for (const chip of this.chips) chip.ref = uuid();
    if (this.pending) this.pending.ref = uuid();
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

  async attach(file) {
    if (!this.filesAllowed || this.readOnly) return;
    this.clearPending();
    this.showError(null);
    this.showPreview({ file, uploading: true });
    let attachment;
    try {
      attachment = await this.host.upload(file);
    } catch (error) {
      this.clearPending();
      this.showError(error);
      return;
    }
    this.pending = { attachment, file, ref: uuid() };
    if (this.host.options()["whatsappsession.two-step-attachment-upload"]) {
      this.showPreview({ file, attachment });
      this.refs.caption.focus();
    } else {
      await this.sendPending();
    }
  }

  showPreview({ file, attachment = null, uploading = false }) {
    const { preview, previewThumb, previewName, previewSize, previewSend, caption, previewStatus } = this.refs;
    preview.hidden = false;
    previewName.textContent = (attachment && attachment.file_name) || file.name;
    previewSize.textContent = [humanSize((attachment && attachment.size) || file.size), attachment ? attachment.kind : ""]
      .filter(Boolean)
      .join(" · ");
    previewStatus.textContent = uploading ? "uploading…" : "";
    previewSend.disabled = uploading;
    caption.disabled = uploading;
    if (!uploading) caption.value = "";
    if (this.previewUrl) URL.revokeObjectURL(this.previewUrl);
    this.previewUrl = null;
    const thumb = attachment && attachment.thumbnail_url;
    if (thumb) {
      previewThumb.replaceChildren(el("img", { src: thumb, alt: "Preview" }));
    } else if (file.type && file.type.startsWith("image/")) {
      this.previewUrl = URL.createObjectURL(file);
      previewThumb.replaceChildren(el("img", { src: this.previewUrl, alt: "Preview" }));
    } else {
      const kind = (attachment && attachment.kind) || "";
      previewThumb.replaceChildren(icon(kind === "audio" ? "audio" : kind === "video" ? "video" : "doc"));
    }
  }

  async sendPending() {
    if (!this.pending || this.sending) return;
    const { attachment, ref } = this.pending;
    this.sending = true;
    this.refs.previewSend.disabled = true;
    try {
      const caption = this.refs.caption.value.trim();
      const payload = { type: attachment.kind, attachment_id: attachment.id, client_ref: ref };
      if (caption && attachment.kind !== "audio" && attachment.kind !== "sticker") payload.body = caption;
      await this.host.send(payload);
      this.clearPending();
      this.showError(null);
    } catch (error) {
      if (error.code === "client_ref_reused") this.freshRefs();
      this.showError(error);
      this.refs.previewSend.disabled = false;
    } finally {
      this.sending = false;
      this.update();
    }
  }

  clearPending() {
    this.pending = null;
    this.refs.preview.hidden = true;
    this.refs.previewThumb.replaceChildren();
    this.refs.caption.value = "";
    if (this.previewUrl) URL.revokeObjectURL(this.previewUrl);
    this.previewUrl = null;
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
