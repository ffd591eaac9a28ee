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

import { ApiError, errorCode } from "./api.js";
import { FormDialog } from "./dialog.js";
import { byId, el, uuid } from "./dom.js";
import { describeError } from "./errors.js";
import { debounce, humanSize } from "./format.js";
import { parameterFields } from "./template-fields.js";
import { KIND_LABELS, MEDIA_LABELS, MEDIA_NAMES, previewOf } from "./template-preview.js";
import { articleOf, emptyValues, fill, INTERACTIVE, missing, namesOf, parametersOf } from "./templates.js";
import { fmt, gettext } from "./i18n.js";

/** @import { ConsoleApp } from "./console.js" */
/** @import { InteractionTab } from "./tab.js" */
/** @import { Attachment, Contact, InteractionSummary, Rendered, Template, TemplateParameters, TemplateValues } from "./types.js" */

/** @type {Record<string, string>} */
const MEDIA_ACCEPT = {
  image: "image/jpeg,image/png",
  video: "video/mp4,video/3gpp",
  document: ".pdf,.doc,.docx,.ppt,.pptx,.xls,.xlsx,.txt",
};
const PREVIEW_DELAY_MS = 250;
const WINDOW_REASON =
  gettext("Reply buttons and list messages can only be sent within 24 hours of the customer's last message: the window is closed. Send a notification instead.");

/** @typedef {{ kind: "tab", tab: InteractionTab } | { kind: "start", contact: Contact, channelId: number | null }} EditorMode */
/** @typedef {"info" | "blocked" | "todo"} NoteKind */

export class NotificationEditor extends FormDialog {
  /** @param {ConsoleApp} app */
  constructor(app) {
    super({ dialog: "template-dialog", form: "template-form", submit: "template-send", cancel: "template-cancel", problem: "template-error", labels: { idle: gettext("Send"), busy: gettext("Sending…") } });
    this.app = app;
    this.api = app.api;
    this.select = byId("template-select", HTMLSelectElement);
    this.fileInput = byId("template-file", HTMLInputElement);
    /** @type {EditorMode | null} */
    this.mode = null;
    /** @type {Template[]} */
    this.templates = [];
    /** @type {Template | null} */
    this.template = null;
    /** @type {TemplateValues} */
    this.values = emptyValues({});
    /** The agent's own header file. @type {Attachment | null} */
    this.attachment = null;
    this.seq = 0;
    this.valid = false;
    this.uploading = false;
    /** The client_ref of what was last sent (a retry of the same sends it once). @type {{ key: string | null, value: string | null }} */
    this.ref = { key: null, value: null };
    /** @type {{ text: string, kind: NoteKind } | null} */
    this.baseNote = null;
    /** @type {NoteKind | null} */
    this.noteKind = null;
    this.previewSoon = debounce(() => this.preview(), PREVIEW_DELAY_MS);
    this.bind();
  }

  bind() {
    this.select.addEventListener("change", () => this.choose());
    this.fileInput.addEventListener("change", () => {
      const input = this.fileInput;
      const file = input.files && input.files[0];
      input.value = "";
      if (file) this.attach(file);
    });
    byId("template-file-reset").addEventListener("click", () => {
      this.attachment = null;
      this.renderMedia();
      this.changed();
    });
  }

  /** @override */
  closed() {
    this.previewSoon.cancel();
    this.seq += 1;
    this.mode = null;
    this.template = null;
    this.templates = [];
  }

  // --- opening -----------------------------------------------------------------------------

  /**
   * T2-T4: send a template in a tab's conversation.
   * @param {InteractionTab} tab
   * @param {{ templateId?: number | null }} [preselect] templateId: preselected (e.g. by a response)
   */
  async openForTab(tab, { templateId = null } = {}) {
    const name = tab.contact.display_name || gettext("the customer");
    const mode = /** @type {EditorMode} */ ({ kind: "tab", tab });
    this.open(mode, tab, fmt(gettext("Send a notification to %(name)s"), { name }),
      gettext("Notifications can be sent at any time; reply buttons and lists only inside the 24-hour window."));
    try {
      /** @type {{ templates?: Template[] }} */
      const data = await this.api.get(`interactions/${tab.id}/templates/`);
      if (this.mode !== mode) return;
      this.setTemplates(data.templates || [], templateId);
    } catch (error) {
      if (this.mode === mode) this.loadFailed(error);
    }
  }

  /** O3: open a new WhatsApp conversation with a contact, with a notification. @param {Contact} contact */
  async openStart(contact) {
    const name = contact.display_name || (contact.wa_id ? `+${contact.wa_id}` : gettext("this contact"));
    /** @type {EditorMode} */
    const mode = { kind: "start", contact, channelId: null };
    this.open(mode, null, fmt(gettext("New WhatsApp conversation with %(name)s"), { name }),
      gettext("Only a notification can open a WhatsApp conversation. It opens as one of your conversations; the customer's answer comes to you."));
    try {
      /** @type {{ templates?: Template[], channel_id?: number }} */
      const data = await this.api.get("templates/");
      if (this.mode !== mode) return;
      mode.channelId = data.channel_id ?? null;
      this.setTemplates(data.templates || [], null);
    } catch (error) {
      if (this.mode === mode) this.loadFailed(error);
    }
  }

  /**
   * @param {EditorMode} mode
   * @param {InteractionTab | null} tab the tab it is about (it closes with it)
   * @param {string} title
   * @param {string} subtitle
   */
  open(mode, tab, title, subtitle) {
    if (this.isOpen) this.close();
    const back = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    this.mode = mode;
    this.templates = [];
    this.template = null;
    this.attachment = null;
    this.valid = false;
    this.ref = { key: null, value: null }; // a new client_ref per opening (a retry in it reuses it)
    this.dialog.dataset.mode = mode.kind;
    byId("template-title").textContent = title;
    byId("template-subtitle").textContent = subtitle;
    this.select.replaceChildren(el("option", { value: "", text: gettext("Loading templates…") }));
    this.select.disabled = true;
    byId("template-fields").hidden = true;
    byId("template-media").hidden = true;
    this.note(null);
    byId("template-preview").replaceChildren(el("p", { class: "muted template-preview-empty", text: gettext("Choose a template to see it here.") }));
    this.show({ tab, returnFocus: back });
    this.select.focus();
  }

  /** @param {unknown} error */
  loadFailed(error) {
    this.select.replaceChildren(el("option", { value: "", text: gettext("No templates") }));
    this.problem(error, gettext("Could not load the templates"));
  }

  windowOpen() {
    if (!this.mode || this.mode.kind !== "tab") return true;
    return this.mode.tab.windowState(this.app.now()).open;
  }

  /** @param {Template[]} templates @param {number | null} selectedId */
  setTemplates(templates, selectedId) {
    this.templates = templates;
    const open = this.windowOpen();
    /** @type {Map<string, Template[]>} */
    const groups = new Map();
    for (const template of templates) {
      const group = groups.get(template.kind) || [];
      group.push(template);
      groups.set(template.kind, group);
    }
    /** @type {HTMLElement[]} */
    const options = [el("option", { value: "", text: templates.length ? gettext("Choose a template…") : gettext("No template can be sent here") })];
    for (const [kind, items] of groups) {
      options.push(
        el(
          "optgroup",
          { label: KIND_LABELS[kind] || kind },
          items.map((t) => {
            const blocked = INTERACTIVE.has(t.kind) && !open;
            return el("option", {
              value: String(t.id),
              text: `${t.name}${t.language ? ` (${t.language})` : ""}${blocked ? ` — ${gettext("window closed")}` : ""}`,
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
        this.problem(new ApiError({ code: "not_found", message: gettext("The response's notification cannot be sent on this number (not approved, or for another number).") }));
      }
    }
    this.choose();
    // The select was disabled while loading: focus it now (or the first parameter of a
    // preselected template), unless the agent already moved on.
    const active = document.activeElement;
    if (!this.dialog.contains(active) || active === this.dialog || active === byId("template-cancel")) {
      const first = this.template && selectedId ? byId("template-inputs").querySelector("textarea") : null;
      (first || this.select).focus();
    }
  }

  // --- one template ------------------------------------------------------------------------

  choose() {
    const id = Number(this.select.value);
    const template = this.templates.find((t) => t.id === id) || null;
    this.template = template;
    this.attachment = null;
    byId("template-file-status").textContent = "";
    this.valid = false;
    this.problem(null);
    const open = this.windowOpen();
    if (template && INTERACTIVE.has(template.kind) && !open) this.note(WINDOW_REASON, "blocked");
    else if (!open && this.templates.some((t) => INTERACTIVE.has(t.kind))) this.note(WINDOW_REASON, "info");
    else this.note(null);
    if (!template) {
      this.values = emptyValues({});
      byId("template-fields").hidden = true;
      byId("template-media").hidden = true;
      byId("template-preview").replaceChildren(el("p", { class: "muted template-preview-empty", text: gettext("Choose a template to see it here.") }));
      this.updateSubmit();
      return;
    }
    this.values = emptyValues(template.parameters || {});
    this.renderFields(template);
    this.renderMedia();
    this.changed();
  }

  /** The template's parameters, each a field (template-fields.js). @param {Template} template */
  renderFields(template) {
    const inputs = parameterFields(template, this.values, () => this.changed());
    byId("template-inputs").replaceChildren(...inputs);
    byId("template-fields").hidden = inputs.length === 0;
  }

  renderMedia() {
    const template = this.template;
    const kind = template && template.parameters && template.parameters.media_header;
    const box = byId("template-media");
    box.hidden = !kind;
    if (!template || !kind) return;
    const label = MEDIA_LABELS[kind] || gettext("file");
    byId("template-media-legend").textContent = `Header ${label}`;
    let source;
    if (this.attachment) source = fmt(gettext("Your file: %(file_name)s (%(human_size)s)"), { file_name: this.attachment.file_name, human_size: humanSize(this.attachment.size) });
    else if (template.has_header_file) source = fmt(gettext("The template's %(label)s is sent."), { label });
    else source = fmt(gettext("This template has no %(label)s: attach one."), { label });
    byId("template-media-source").textContent = source;
    this.fileInput.accept = MEDIA_ACCEPT[kind] || "";
    this.fileInput.disabled = this.uploading;
    byId("template-file-label").textContent = template.kind === "reply_buttons" && template.has_header_file
      ? fmt(gettext("Change the %(label)s (needs the permission)"), { label })
      : `Attach ${this.attachment || template.has_header_file ? "another" : articleOf(label)} ${label}`;
    byId("template-file-reset").hidden = !this.attachment || !template.has_header_file;
  }

  /** The agent's own header file (M2 checks it; its kind must be the header's). @param {File} file */
  async attach(file) {
    const template = this.template;
    const kind = template && template.parameters && template.parameters.media_header;
    const status = byId("template-file-status");
    this.uploading = true;
    this.renderMedia();
    status.textContent = gettext("Uploading…");
    status.classList.remove("form-status--error");
    try {
      const form = new FormData();
      form.append("file", file, file.name);
      /** @type {Attachment} */
      const attachment = await this.api.upload("attachments/", form);
      if (template !== this.template) return; // another template was chosen meanwhile
      if (!kind || attachment.kind !== kind) {
        const wanted = kind && MEDIA_NAMES[kind] ? MEDIA_NAMES[kind] : gettext("another kind of file");
        throw new ApiError({ code: "media_rejected", message: fmt(gettext("This header takes %(wanted)s; %(file_name)s is of another kind (%(kind)s)."), { wanted, file_name: attachment.file_name, kind: attachment.kind }) });
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

  /** @param {Template} template */
  parameters(template) {
    return parametersOf(template.parameters || {}, this.values);
  }

  /** Something changed: a preview soon; until it answers, Send waits. */
  changed() {
    this.seq += 1;
    this.valid = false;
    this.updateSubmit();
    const template = this.template;
    if (!template) return;
    this.renderPreview(template, this.draftPreview(template), { draft: true });
    this.previewSoon();
  }

  /**
   * The server's preview: for the conversation's number, or (start mode) the contact's.
   * @param {EditorMode} mode
   * @param {Template} template
   * @param {TemplateParameters} parameters
   * @returns {Promise<{ rendered?: Rendered, header_file?: string | null }>}
   */
  previewRequest(mode, template, parameters) {
    if (mode.kind === "tab") {
      return this.api.post(`interactions/${mode.tab.id}/templates/preview/`, { template_id: template.id, parameters });
    }
    /** @type {Record<string, unknown>} */
    const body = { template_id: template.id, parameters };
    if (mode.channelId) body.channel_id = mode.channelId;
    return this.api.post("templates/preview/", body);
  }

  async preview() {
    const template = this.template;
    const mode = this.mode;
    if (!template || !mode) return;
    const seq = ++this.seq;
    const empty = missing(template.parameters || {}, this.values);
    if (empty.length) {
      // Not complete yet: the server judges it once every parameter is filled in.
      this.problem(null);
      if (this.noteKind !== "blocked") this.note(fmt(gettext("Fill in %(join)s to send."), { join: empty.join(", ") }), "todo");
      this.updateSubmit();
      return;
    }
    if (this.noteKind === "todo") this.restoreNote();
    try {
      const result = await this.previewRequest(mode, template, this.parameters(template));
      if (seq !== this.seq || template !== this.template) return;
      this.renderPreview(template, { ...result.rendered, header_file: result.header_file });
      this.problem(null);
      this.valid = true;
    } catch (error) {
      if (seq !== this.seq || template !== this.template) return;
      if (error instanceof Error && error.name === "AbortError") return;
      this.problem(error);
      this.valid = false;
    }
    this.updateSubmit();
  }

  /** What the agent typed so far, before the server answers ({{n}} where nothing is typed yet). @param {Template} template */
  draftPreview(template) {
    const names = namesOf(template.parameters || {});
    return {
      header: template.header_type === "text" ? fill(template.header_text, this.values.header, names.header) : "",
      body: fill(template.body, this.values.body, names.body),
      footer: template.footer,
      buttons: template.buttons || [],
      header_file: template.has_header_file ? this.api.url(`templates/${template.id}/header-file/`) : null,
    };
  }

  /**
   * @param {Template} template
   * @param {Rendered & { header_file?: string | null }} rendered
   */
  renderPreview(template, rendered, { draft = false } = {}) {
    const box = byId("template-preview");
    box.dataset.state = draft ? "draft" : "rendered";
    box.replaceChildren(...previewOf(template, rendered, { attachment: this.attachment, suffixes: this.values.buttons }));
  }

  // --- state shown -----------------------------------------------------------------------

  blocked() {
    return Boolean(this.template && INTERACTIVE.has(this.template.kind) && !this.windowOpen());
  }

  /** @override */
  canSubmit() {
    const template = this.template;
    const mediaMissing = Boolean(
      template && template.parameters && template.parameters.media_header && !this.attachment && !template.has_header_file,
    );
    return Boolean(template) && this.valid && !this.uploading && !this.blocked() && !mediaMissing;
  }

  /** @param {string | null} text @param {NoteKind} [kind] */
  note(text, kind = "info") {
    const box = byId("template-note");
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

  /**
   * The problem box; O3: when the customer already has an open conversation (the error
   * names it) that is one of ours, a way there.
   * @override
   * @param {unknown} error
   * @param {string} [lead]
   */
  problem(error, lead = "") {
    super.problem(error, lead);
    if (!error || !this.problemBox || errorCode(error) !== "interaction_open" || !(error instanceof ApiError)) return;
    const openId = Number(error.details.interaction_id) || 0;
    if (!openId || !this.app.tabs.has(openId)) return;
    this.problemBox.append(
      el("button", {
        type: "button",
        class: "btn btn--small",
        text: gettext("Go to the conversation"),
        onclick: () => {
          this.close();
          this.app.activate(openId, { focus: true });
        },
      }),
    );
  }

  // --- sending ---------------------------------------------------------------------------

  /** @override */
  submit() {
    const template = this.template;
    const mode = this.mode;
    if (!template || !mode) return;
    const parameters = this.parameters(template);
    const attachment = this.attachment;
    const key = JSON.stringify([template.id, parameters, attachment && attachment.id]);
    if (this.ref.key !== key) this.ref = { key, value: uuid() };
    const ref = this.ref.value;
    this.run(
      async () => {
        if (mode.kind === "tab") {
          /** @type {Record<string, unknown>} */
          const payload = {
            type: INTERACTIVE.has(template.kind) ? "interactive" : "template",
            template_id: template.id,
            parameters,
            client_ref: ref,
          };
          if (attachment) payload.attachment_id = attachment.id;
          await mode.tab.send(payload);
          mode.tab.composer.showError(null);
          this.close();
          this.app.announce(`${template.name} sent`);
        } else {
          /** @type {{ interaction: InteractionSummary }} */
          const started = await this.api.post("outbound-sessions/", {
            contact_id: mode.contact.id,
            template_id: template.id,
            parameters,
            channel_id: mode.channelId || undefined,
            attachment_id: attachment ? attachment.id : undefined,
            assign_to_me: true,
          });
          this.close();
          this.app.openTab(started.interaction, { activate: true, focus: true });
          this.app.resyncSoon();
          this.app.announce(fmt(gettext("Conversation with %(display_name)s started"), { display_name: mode.contact.display_name || gettext("the contact") }));
        }
      },
      {
        lead: gettext("Not sent"),
        onError: (error) => {
          if (errorCode(error) === "client_ref_reused") this.ref = { key: null, value: null }; // a fresh one next time
        },
      },
    );
  }
}
