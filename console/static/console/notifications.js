// T2-T4: the Notification editor, one dialog for the console. Choose a template (a
// notification, a rich media notification, reply buttons or a list), fill in its
// parameters (header, body {{n}}, the suffix of a dynamic website link, a media header
// file), see a live preview rendered by the server (every error shown, Send disabled
// until it is fixed), then Send or Cancel. The server is the one judge of what can be
// sent: the preview asks it (POST …templates/preview/) as the agent types.
//
// O3 "start" mode: the same editor opens a new WhatsApp conversation with a contact
// (POST outbound-sessions/); only notifications can open one (the 24-hour rule). Its
// preview needs no open conversation (POST templates/preview/ with the number).

import { ApiError } from "./api.js";
import { describeError } from "./composer.js";
import { debounce, el, humanSize, linkify, onSubmit, safeUrl, uuid } from "./dom.js";
import { icon } from "./icons.js";

const KIND_LABELS = {
  notification: "Notifications",
  rich_media: "Rich media notifications",
  reply_buttons: "Reply buttons (interactive)",
  list: "List messages (interactive)",
};
const INTERACTIVE = new Set(["reply_buttons", "list"]);
const MEDIA_LABELS = { image: "image", video: "video", document: "document" };
const MEDIA_ACCEPT = {
  image: "image/jpeg,image/png",
  video: "video/mp4,video/3gpp",
  document: ".pdf,.doc,.docx,.ppt,.pptx,.xls,.xlsx,.txt",
};
const PREVIEW_DELAY_MS = 250;
const PLACEHOLDER = /\{\{\s*(\d+)\s*\}\}/g;
const WINDOW_REASON =
  "Reply buttons and list messages can only be sent within 24 hours of the customer's last message: the window is closed. Send a notification instead.";

const $ = (id) => document.getElementById(id);

/** The draft shown while the server's preview is on its way: what is typed, {{n}} elsewhere. */
function fill(text, values) {
  return String(text || "").replace(PLACEHOLDER, (whole, n) => {
    const value = values[Number(n) - 1];
    return value ? value : whole;
  });
}

export class NotificationEditor {
  constructor(app) {
    this.app = app;
    this.api = app.api;
    this.dialog = $("template-dialog");
    this.form = $("template-form");
    this.select = $("template-select");
    this.sendButton = $("template-send");
    this.mode = null; // { kind: "tab", tab } | { kind: "start", contact, channelId }
    this.templates = [];
    this.template = null;
    this.values = null;
    this.attachment = null; // the agent's own header file (an ATTACHMENT)
    this.seq = 0;
    this.valid = false;
    this.sending = false;
    this.uploading = false;
    this.ref = { key: null, value: null };
    this.returnFocus = null;
    this.previewSoon = debounce(() => this.preview(), PREVIEW_DELAY_MS);
    this.bind();
  }

  get isOpen() {
    return this.dialog.open;
  }

  bind() {
    this.select.addEventListener("change", () => this.choose());
    onSubmit(this.form, this.form, () => this.submit());
    $("template-cancel").addEventListener("click", () => this.dialog.close());
    $("template-file").addEventListener("change", (event) => {
      const input = event.target;
      const file = input.files && input.files[0];
      input.value = "";
      if (file) this.attach(file);
    });
    $("template-file-reset").addEventListener("click", () => {
      this.attachment = null;
      this.renderMedia();
      this.changed();
    });
    this.dialog.addEventListener("close", () => {
      this.previewSoon.cancel();
      this.seq += 1;
      this.mode = null;
      this.template = null;
      this.templates = [];
      const back = this.returnFocus;
      this.returnFocus = null;
      // Back where the agent was, unless they already went somewhere else.
      const active = document.activeElement;
      if (back && back.isConnected && (!active || active === document.body || this.dialog.contains(active))) back.focus();
    });
  }

  // --- opening -----------------------------------------------------------------------------

  /** T2-T4: send a template in a tab's conversation (``templateId``: preselected, e.g. by a response). */
  async openForTab(tab, { templateId = null } = {}) {
    const name = tab.contact.display_name || "the customer";
    this.open({ kind: "tab", tab }, `Send a notification to ${name}`,
      "Notifications can be sent at any time; reply buttons and lists only inside the 24-hour window.");
    try {
      const data = await this.api.get(`interactions/${tab.id}/templates/`);
      if (!this.mode || this.mode.tab !== tab) return;
      this.setTemplates(data.templates || [], templateId);
    } catch (error) {
      this.loadFailed(error);
    }
  }

  /** O3: open a new WhatsApp conversation with a contact, with a notification. */
  async openStart(contact) {
    const name = contact.display_name || (contact.wa_id ? `+${contact.wa_id}` : "this contact");
    this.open({ kind: "start", contact, channelId: null }, `New WhatsApp conversation with ${name}`,
      "Only a notification can open a WhatsApp conversation. It opens as one of your conversations; the customer's answer comes to you.");
    try {
      const data = await this.api.get("templates/");
      if (!this.mode || this.mode.contact !== contact) return;
      this.mode.channelId = data.channel_id;
      this.setTemplates(data.templates || [], null);
    } catch (error) {
      this.loadFailed(error);
    }
  }

  open(mode, title, subtitle) {
    if (this.isOpen) this.dialog.close();
    this.returnFocus = document.activeElement;
    this.mode = mode;
    this.templates = [];
    this.template = null;
    this.attachment = null;
    this.valid = false;
    this.sending = false;
    this.ref = { key: null, value: null }; // a new client_ref per opening (a retry in it reuses it)
    this.dialog.dataset.mode = mode.kind;
    $("template-title").textContent = title;
    $("template-subtitle").textContent = subtitle;
    this.select.replaceChildren(el("option", { value: "", text: "Loading templates…" }));
    this.select.disabled = true;
    $("template-fields").hidden = true;
    $("template-media").hidden = true;
    this.note(null);
    this.problem(null);
    $("template-preview").replaceChildren(el("p", { class: "muted template-preview-empty", text: "Choose a template to see it here." }));
    this.updateSend();
    this.dialog.showModal();
    this.select.focus();
  }

  loadFailed(error) {
    this.select.replaceChildren(el("option", { value: "", text: "No templates" }));
    this.problem(error, "Could not load the templates");
  }

  /** The Notification editor belongs to a tab that is closing: it goes with it. */
  tabClosed(tab) {
    if (this.isOpen && this.mode && this.mode.tab === tab) this.dialog.close();
  }

  windowOpen() {
    if (!this.mode || this.mode.kind !== "tab") return true;
    return this.mode.tab.windowState(this.app.now()).open;
  }

  setTemplates(templates, selectedId) {
    this.templates = templates;
    const open = this.windowOpen();
    const groups = new Map();
    for (const template of templates) {
      if (!groups.has(template.kind)) groups.set(template.kind, []);
      groups.get(template.kind).push(template);
    }
    const options = [el("option", { value: "", text: templates.length ? "Choose a template…" : "No template can be sent here" })];
    for (const [kind, items] of groups) {
      options.push(
        el(
          "optgroup",
          { label: KIND_LABELS[kind] || kind },
          items.map((t) => {
            const blocked = INTERACTIVE.has(t.kind) && !open;
            return el("option", {
              value: String(t.id),
              text: `${t.name}${t.language ? ` (${t.language})` : ""}${blocked ? " — window closed" : ""}`,
              disabled: blocked,
            });
          }),
        ),
      );
    }
    this.select.replaceChildren(...options);
    this.select.disabled = templates.length === 0;
    if (!open && templates.some((t) => INTERACTIVE.has(t.kind))) this.note(WINDOW_REASON, "blocked");
    if (selectedId) {
      const known = templates.find((t) => t.id === selectedId);
      if (known) {
        this.select.value = String(selectedId);
      } else {
        this.problem(new ApiError({ code: "not_found", message: "The response's notification cannot be sent on this number (not approved, or for another number)." }));
      }
    }
    this.choose();
    // The select was disabled while loading: focus it now (or the first parameter of a
    // preselected template), unless the agent already moved on.
    const active = document.activeElement;
    if (!this.dialog.contains(active) || active === this.dialog || active === $("template-cancel")) {
      const first = this.template && selectedId ? $("template-inputs").querySelector("textarea") : null;
      (first || this.select).focus();
    }
  }

  // --- one template ------------------------------------------------------------------------

  choose() {
    const id = Number(this.select.value);
    const template = this.templates.find((t) => t.id === id) || null;
    this.template = template;
    this.attachment = null;
    $("template-file-status").textContent = "";
    this.valid = false;
    this.problem(null);
    const open = this.windowOpen();
    if (template && INTERACTIVE.has(template.kind) && !open) this.note(WINDOW_REASON, "blocked");
    else if (!open && this.templates.some((t) => INTERACTIVE.has(t.kind))) this.note(WINDOW_REASON, "info");
    else this.note(null);
    if (!template) {
      this.values = null;
      $("template-fields").hidden = true;
      $("template-media").hidden = true;
      $("template-preview").replaceChildren(el("p", { class: "muted template-preview-empty", text: "Choose a template to see it here." }));
      this.updateSend();
      return;
    }
    const slots = template.parameters || {};
    this.values = {
      header: (slots.header || []).map(() => ""),
      body: (slots.body || []).map(() => ""),
      buttons: Object.fromEntries((slots.buttons || []).map((b) => [String(b.index), ""])),
    };
    this.renderFields();
    this.renderMedia();
    this.changed();
  }

  renderFields() {
    const template = this.template;
    const slots = template.parameters || {};
    const inputs = [];
    const field = (label, hint, get, set, id) => {
      const input = el("textarea", {
        rows: 1,
        class: "param",
        id,
        "aria-describedby": hint ? `${id}-hint` : null,
        spellcheck: "true",
      });
      input.value = get();
      input.addEventListener("input", () => {
        set(input.value);
        this.changed();
      });
      return el(
        "div",
        { class: "param-row" },
        el("label", { for: id, text: label }),
        input,
        hint ? el("span", { class: "param-hint muted", id: `${id}-hint`, text: hint }) : null,
      );
    };
    (slots.header || []).forEach((n, i) => {
      inputs.push(field(`Header {{${n}}}`, template.header_text, () => this.values.header[i], (v) => { this.values.header[i] = v; }, `template-header-${n}`));
    });
    (slots.body || []).forEach((n, i) => {
      inputs.push(field(`Body {{${n}}}`, null, () => this.values.body[i], (v) => { this.values.body[i] = v; }, `template-body-${n}`));
    });
    for (const slot of slots.buttons || []) {
      const key = String(slot.index);
      const base = String(slot.url || "").replace(/\{\{\s*1\s*\}\}$/, "…");
      inputs.push(field(`Link “${slot.text}”`, `Appended to ${base}`, () => this.values.buttons[key], (v) => { this.values.buttons[key] = v; }, `template-button-${key}`));
    }
    $("template-inputs").replaceChildren(...inputs);
    $("template-fields").hidden = inputs.length === 0;
  }

  renderMedia() {
    const template = this.template;
    const kind = template && template.parameters && template.parameters.media_header;
    const box = $("template-media");
    box.hidden = !kind;
    if (!kind) return;
    const label = MEDIA_LABELS[kind] || "file";
    $("template-media-legend").textContent = `Header ${label}`;
    let source;
    if (this.attachment) source = `Your file: ${this.attachment.file_name} (${humanSize(this.attachment.size)})`;
    else if (template.has_header_file) source = `The template's ${label} is sent.`;
    else source = `This template has no ${label}: attach one.`;
    $("template-media-source").textContent = source;
    const input = $("template-file");
    input.accept = MEDIA_ACCEPT[kind] || "";
    input.disabled = this.uploading;
    $("template-file-label").textContent = template.kind === "reply_buttons" && template.has_header_file
      ? `Change the ${label} (needs the permission)`
      : `Attach ${this.attachment || template.has_header_file ? "another" : /^[aeiou]/.test(label) ? "an" : "a"} ${label}`;
    $("template-file-reset").hidden = !this.attachment || !template.has_header_file;
  }

  async attach(file) {
    const template = this.template;
    const kind = template && template.parameters.media_header;
    const status = $("template-file-status");
    this.uploading = true;
    this.renderMedia();
    status.textContent = "Uploading…";
    status.classList.remove("form-status--error");
    try {
      const form = new FormData();
      form.append("file", file, file.name);
      const attachment = await this.api.upload("attachments/", form);
      if (template !== this.template) return; // another template was chosen meanwhile
      if (attachment.kind !== kind) {
        throw new ApiError({ code: "media_rejected", message: `This header takes ${MEDIA_LABELS[kind] ? `a ${MEDIA_LABELS[kind]}` : "another kind of file"}; ${attachment.file_name} is a ${attachment.kind}.` });
      }
      this.attachment = attachment;
      status.textContent = "";
    } catch (error) {
      status.textContent = describeError(error);
      status.classList.add("form-status--error");
    } finally {
      this.uploading = false;
      this.renderMedia();
      this.changed();
    }
  }

  parameters() {
    const slots = this.template.parameters || {};
    const parameters = {};
    if ((slots.header || []).length) parameters.header = [...this.values.header];
    if ((slots.body || []).length) parameters.body = [...this.values.body];
    if ((slots.buttons || []).length) parameters.buttons = { ...this.values.buttons };
    return parameters;
  }

  missing() {
    const empty = [];
    const slots = this.template.parameters || {};
    (slots.header || []).forEach((n, i) => { if (!this.values.header[i]) empty.push(`Header {{${n}}}`); });
    (slots.body || []).forEach((n, i) => { if (!this.values.body[i]) empty.push(`Body {{${n}}}`); });
    for (const slot of slots.buttons || []) if (!this.values.buttons[String(slot.index)]) empty.push(`Link “${slot.text}”`);
    return empty;
  }

  /** Something changed: a preview soon; until it answers, Send waits. */
  changed() {
    this.seq += 1;
    this.valid = false;
    this.updateSend();
    if (!this.template) return;
    this.renderPreview(this.draftPreview(), { draft: true });
    this.previewSoon();
  }

  /** The server's preview: for the conversation's number, or (start mode) the contact's. */
  previewRequest(template, parameters) {
    const mode = this.mode;
    if (mode.kind === "tab") {
      return this.api.post(`interactions/${mode.tab.id}/templates/preview/`, { template_id: template.id, parameters });
    }
    const body = { template_id: template.id, parameters };
    if (mode.channelId) body.channel_id = mode.channelId;
    return this.api.post("templates/preview/", body);
  }

  async preview() {
    const template = this.template;
    if (!template) return;
    const seq = ++this.seq;
    const empty = this.missing();
    if (empty.length) {
      // Not complete yet: the server judges it once every parameter is filled in.
      this.problem(null);
      if (this.noteKind !== "blocked") this.note(`Fill in ${empty.join(", ")} to send.`, "todo");
      this.updateSend();
      return;
    }
    if (this.noteKind === "todo") this.restoreNote();
    const parameters = this.parameters();
    try {
      const result = await this.previewRequest(template, parameters);
      if (seq !== this.seq || template !== this.template) return;
      this.renderPreview({ ...result.rendered, header_file: result.header_file });
      this.problem(null);
      this.valid = true;
    } catch (error) {
      if (seq !== this.seq || template !== this.template) return;
      if (error && error.name === "AbortError") return;
      this.problem(error);
      this.valid = false;
    }
    this.updateSend();
  }

  /** What the agent typed so far, before the server answers ({{n}} where nothing is typed yet). */
  draftPreview() {
    const template = this.template;
    if (!template) return null;
    return {
      header: template.header_type === "text" ? fill(template.header_text, this.values.header) : "",
      body: fill(template.body, this.values.body),
      footer: template.footer,
      buttons: template.buttons || [],
      header_file: template.has_header_file ? this.api.url(`templates/${template.id}/header-file/`) : null,
    };
  }

  renderPreview(rendered, { draft = false } = {}) {
    const template = this.template;
    const box = $("template-preview");
    if (!template || !rendered) return;
    box.dataset.state = draft ? "draft" : "rendered";
    const bubble = el("div", { class: "tpl-bubble" });
    const media = template.parameters && template.parameters.media_header;
    if (media) bubble.append(this.mediaHeader(media, rendered.header_file));
    else if (rendered.header) bubble.append(el("div", { class: "tpl-header", text: rendered.header }));
    bubble.append(el("div", { class: "tpl-body" }, linkify(rendered.body)));
    if (rendered.footer) bubble.append(el("div", { class: "tpl-footer", text: rendered.footer }));
    const buttons = (rendered.buttons || []).filter((b) => b && b.text);
    if (buttons.length && template.kind !== "list") {
      bubble.append(el("div", { class: "tpl-buttons" }, (rendered.buttons || []).map((b, index) => (b && b.text ? this.button(b, index) : null))));
    }
    if (template.kind === "list") bubble.append(this.listBlock(template));
    box.replaceChildren(
      el("div", { class: "tpl-kind muted", text: KIND_LABELS[template.kind] || template.kind }),
      bubble,
    );
  }

  button(b, index) {
    if (b.type === "url") {
      const suffix = this.values.buttons[String(index)];
      const url = String(b.url || "").replace(/\{\{\s*1\s*\}\}$/, suffix || "{{1}}");
      return el("div", { class: "tpl-button tpl-button--link", dataset: { kind: "url" } },
        el("span", { class: "tpl-button-text" }, icon("external"), el("span", { text: b.text })),
        el("span", { class: "tpl-url", text: url }));
    }
    if (b.type === "phone_number") {
      return el("div", { class: "tpl-button tpl-button--link", dataset: { kind: "phone" } },
        el("span", { class: "tpl-button-text" }, icon("phone"), el("span", { text: b.text })),
        el("span", { class: "tpl-url", text: b.phone_number || "" }));
    }
    return el("div", { class: "tpl-button", dataset: { kind: b.type || "reply" } },
      el("span", { class: "tpl-button-text" }, icon("reply"), el("span", { text: b.text })));
  }

  listBlock(template) {
    return el(
      "div",
      { class: "tpl-list" },
      el("div", { class: "tpl-button", dataset: { kind: "list" } },
        el("span", { class: "tpl-button-text" }, icon("list"), el("span", { text: template.list_button || "Options" }))),
      (template.sections || []).map((section) =>
        el(
          "div",
          { class: "tpl-section" },
          section.title ? el("div", { class: "tpl-section-title", text: section.title }) : null,
          el("ul", { class: "tpl-rows" }, (section.rows || []).map((row) =>
            el("li", { class: "tpl-row" }, el("span", { class: "tpl-row-title", text: row.title || "" }),
              row.description ? el("span", { class: "tpl-row-description muted", text: row.description }) : null))),
        ),
      ),
    );
  }

  mediaHeader(kind, templateFile) {
    const a = this.attachment;
    const label = MEDIA_LABELS[kind] || "file";
    const src = a ? safeUrl(a.thumbnail_url || a.url) : safeUrl(templateFile);
    if (!src) {
      return el("div", { class: "tpl-media tpl-media--missing" }, icon(kind === "video" ? "video" : kind === "image" ? "image" : "doc"),
        el("span", { text: `No ${label} yet` }));
    }
    if (kind === "image") return el("div", { class: "tpl-media" }, el("img", { src, alt: a ? `Your image ${a.file_name}` : "The template's image" }));
    if (kind === "video") {
      const video = a ? safeUrl(a.url) : src;
      return el("div", { class: "tpl-media" }, el("video", { src: video, controls: true, preload: "metadata", "aria-label": "Header video" }));
    }
    return el("div", { class: "tpl-media tpl-media--document" }, icon("doc"), el("span", { text: a ? a.file_name : "The template's document" }));
  }

  // --- state shown -----------------------------------------------------------------------

  blocked() {
    return Boolean(this.template && INTERACTIVE.has(this.template.kind) && !this.windowOpen());
  }

  updateSend() {
    const mediaMissing = Boolean(
      this.template && this.template.parameters && this.template.parameters.media_header &&
      !this.attachment && !this.template.has_header_file,
    );
    this.sendButton.disabled = !this.template || !this.valid || this.sending || this.uploading || this.blocked() || mediaMissing;
    this.sendButton.textContent = this.sending ? "Sending…" : "Send";
  }

  note(text, kind = "info") {
    const box = $("template-note");
    if (kind !== "todo") this.baseNote = text ? { text, kind } : null;
    this.noteKind = text ? kind : null;
    box.hidden = !text;
    box.textContent = text || "";
    box.dataset.kind = text ? kind : "";
  }

  restoreNote() {
    const base = this.baseNote;
    this.note(base ? base.text : null, base ? base.kind : "info");
  }

  problem(error, lead = "") {
    const box = $("template-error");
    box.hidden = !error;
    box.replaceChildren();
    delete box.dataset.code;
    if (!error) return;
    box.dataset.code = error.code || "";
    const text = describeError(error);
    box.append(icon("alert"), el("span", { text: lead ? `${lead}: ${text}` : text }));
    // O3: the customer already has an open conversation (the error names it): if it is
    // one of ours, go there.
    const openId = error.code === "interaction_open" ? Number(error.details && error.details.interaction_id) : 0;
    if (openId && this.app.tabs.has(openId)) {
      box.append(
        el("button", {
          type: "button",
          class: "btn btn--small",
          text: "Go to the conversation",
          onclick: () => {
            this.dialog.close();
            this.app.activate(openId, { focus: true });
          },
        }),
      );
    }
  }

  // --- sending ---------------------------------------------------------------------------

  async submit() {
    const template = this.template;
    const mode = this.mode;
    if (!template || !mode || this.sendButton.disabled) return;
    const parameters = this.parameters();
    const key = JSON.stringify([template.id, parameters, this.attachment && this.attachment.id]);
    if (this.ref.key !== key) this.ref = { key, value: uuid() };
    this.sending = true;
    this.problem(null);
    this.updateSend();
    try {
      if (mode.kind === "tab") {
        const payload = {
          type: INTERACTIVE.has(template.kind) ? "interactive" : "template",
          template_id: template.id,
          parameters,
          client_ref: this.ref.value,
        };
        if (this.attachment) payload.attachment_id = this.attachment.id;
        await mode.tab.send(payload);
        mode.tab.composer.showError(null);
        this.dialog.close();
        this.app.announce(`${template.name} sent`);
      } else {
        const started = await this.api.post("outbound-sessions/", {
          contact_id: mode.contact.id,
          template_id: template.id,
          parameters,
          channel_id: mode.channelId || undefined,
          attachment_id: this.attachment ? this.attachment.id : undefined,
          assign_to_me: true,
        });
        this.dialog.close();
        this.app.openTab(started.interaction, { activate: true, focus: true });
        this.app.resyncSoon();
        this.app.announce(`Conversation with ${mode.contact.display_name || "the contact"} started`);
      }
    } catch (error) {
      if (error.code === "client_ref_reused") this.ref = { key: null, value: null }; // a fresh one next time
      if (this.mode === mode) this.problem(error, "Not sent");
    } finally {
      this.sending = false;
      if (this.mode === mode) this.updateSend();
    }
  }
}
