// W11: the side panel of a tab: contact information (editable; R8 "This is a known
// contact…"), case information (key/value editor), notes, and the contact's history on
// every channel. Its pages: Details, Responses (T1) and, when there is one, the
// Consultation (R6).

import { control, el, onSubmit } from "./dom.js";
import { describeError } from "./errors.js";
import { fullTimeOf, surveyWords, toDate } from "./format.js";
import { icon } from "./icons.js";
import { contactAddress, marketingLabel } from "./identity.js";
import { fmt, gettext } from "./i18n.js";

/** @import { Api } from "./api.js" */
/** @import { Contact, HistoryEntry, Interaction, Note } from "./types.js" */
/** @import { TabRefs } from "./tab-refs.js" */

/** The console's overlay side panel starts below this width (console.css says the same). */
export const NARROW = "(max-width: 1100px)";

/** @typedef {"details" | "responses" | "consult"} PageName */
/** @type {PageName[]} */
const PAGES = ["details", "responses", "consult"];
/** @type {Record<string, string>} */
const STATE_LABELS = { queued: gettext("waiting"), offered: gettext("offered"), active: gettext("active"), parked: gettext("in a workbin"), closed: gettext("done") };

/** @param {unknown} value */
function display(value) {
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/**
 * One entry of a contact's history (the side panel, the contact search).
 * @param {HistoryEntry} item
 * @param {{ current?: boolean, dispositionLabel?: (code: string) => string }} [options]
 */
export function historyItem(item, { current = false, dispositionLabel = (code) => code } = {}) {
  return el(
    "li",
    { class: `history-item${current ? " history-item--current" : ""}`, dataset: { interactionId: String(item.id) } },
    el(
      "div",
      { class: "history-head" },
      el("time", { datetime: item.created_at, text: fullTimeOf(toDate(item.created_at)) }),
      el("span", { class: `badge badge--${item.state}`, text: current ? gettext("this conversation") : STATE_LABELS[item.state] || item.state }),
    ),
    el("div", { class: "history-line muted", text: [item.channel, item.owner && `with ${item.owner}`].filter(Boolean).join(" · ") }),
    item.disposition ? el("div", { class: "history-line", text: `Disposition: ${dispositionLabel(item.disposition)}` }) : null,
    item.done_note ? el("div", { class: "history-line history-note", text: item.done_note }) : null,
    item.survey ? el("div", { class: "history-line history-survey", text: surveyWords(item.survey) }) : null,
  );
}

/**
 * What the side panel asks of its tab.
 * @typedef {object} SidePanelHost
 * @property {HTMLElement} panel the tab's panel (narrower without the side panel)
 * @property {Api} api
 * @property {number} interactionId
 * @property {() => Contact} contact
 * @property {(contact: Contact) => void} onContact the agent saved the contact
 * @property {(code: string) => string} dispositionLabel
 * @property {() => void} onNewConversation
 * @property {() => void} onAssign
 * @property {(name: PageName) => void} onPage a page is shown
 */

export class SidePanel {
  /** @param {TabRefs} refs @param {SidePanelHost} host */
  constructor(refs, host) {
    this.refs = refs;
    this.host = host;
    /** @type {Record<string, unknown>} */
    this.caseData = {};
    this.dirty = { contact: false, case: false };
    /** @type {string | undefined} */
    this.editableKey = undefined;
    /** @type {boolean | undefined} */
    this.editable = undefined;
    /** The pending fade of each status line. @type {Map<HTMLElement, ReturnType<typeof setTimeout>>} */
    this.clearTimers = new Map();
    this.bind();
  }

  bind() {
    const { contactForm, caseForm, caseAdd, noteForm, historyRefresh, historyNew, assignContact, panelToggle } = this.refs;
    panelToggle.addEventListener("click", () => this.toggle());
    // On a narrow screen the side panel covers the transcript: it starts closed there (and
    // closes when the window narrows: console.js). Open, it ends above the composer.
    if (window.matchMedia(NARROW).matches) this.toggle(false);
    historyNew.addEventListener("click", () => this.host.onNewConversation());
    assignContact.addEventListener("click", () => this.host.onAssign());
    // Details | Responses | Consultation: a tab list (arrows move between the shown ones).
    for (const name of PAGES) {
      const tab = this.tabOf(name);
      tab.addEventListener("click", () => this.showPage(name));
      tab.addEventListener("keydown", (event) => {
        if (!["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
        event.preventDefault();
        const shown = PAGES.filter((page) => !this.tabOf(page).hidden);
        const index = shown.indexOf(name);
        let next = shown[(index + 1) % shown.length];
        if (event.key === "ArrowLeft") next = shown[(index - 1 + shown.length) % shown.length];
        else if (event.key === "Home") next = shown[0];
        else if (event.key === "End") next = shown[shown.length - 1];
        this.showPage(next, { focusTab: true });
      });
    }
    contactForm.addEventListener("input", () => {
      this.dirty.contact = true;
    });
    contactForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.saveContact();
    });
    caseForm.addEventListener("input", () => {
      this.dirty.case = true;
    });
    caseForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.saveCase();
    });
    caseAdd.addEventListener("click", () => {
      const row = this.caseRow("", "");
      this.refs.caseRows.append(row);
      this.dirty.case = true;
      const key = row.querySelector("input");
      if (key) key.focus();
    });
    onSubmit(noteForm, control(noteForm, "body", HTMLTextAreaElement), () => this.addNote());
    historyRefresh.addEventListener("click", () => this.loadHistory());
  }

  /** @param {PageName} name */
  tabOf(name) {
    return { details: this.refs.sideTabDetails, responses: this.refs.sideTabResponses, consult: this.refs.sideTabConsult }[name];
  }

  /** @param {PageName} name */
  pageOf(name) {
    return { details: this.refs.sideDetails, responses: this.refs.sideResponses, consult: this.refs.sideConsult }[name];
  }

  /** Open (true), close (false) or switch (undefined) the side panel. @param {boolean} [show] */
  toggle(show) {
    const open = show ?? this.refs.side.hidden;
    this.refs.side.hidden = !open;
    this.refs.panelToggle.setAttribute("aria-expanded", String(open));
    this.host.panel.classList.toggle("conv--side-closed", !open);
  }

  /** A page, the side panel opened if closed. @param {PageName} name */
  open(name) {
    this.toggle(true);
    this.showPage(name);
  }

  /** Details (contact, case, notes, history), Responses (T1) or Consultation (R6). @param {PageName} name */
  showPage(name, { focusTab = false } = {}) {
    this.tabOf(name).hidden = false;
    for (const page of PAGES) {
      const on = page === name;
      const tab = this.tabOf(page);
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      this.pageOf(page).hidden = !on;
    }
    if (focusTab) this.tabOf(name).focus();
    this.host.onPage(name);
  }

  /**
   * What the server allows the agent to change (the interaction's actions edit_contact,
   * case_data, note): the other forms are read only.
   */
  setEditable({ contact = false, caseData = false, notes = false } = {}) {
    const key = `${contact}/${caseData}/${notes}`;
    if (this.editableKey === key) return;
    this.editableKey = key;
    this.editable = caseData;
    const { contactForm, caseForm, noteForm, caseAdd } = this.refs;
    /** @type {[HTMLFormElement, boolean][]} */
    const forms = [[contactForm, contact], [caseForm, caseData], [noteForm, notes]];
    for (const [form, editable] of forms) {
      for (const element of form.elements) setDisabled(element, !editable);
    }
    caseAdd.disabled = !caseData;
  }

  /** The full interaction (GET interactions/{id}/console/). @param {Interaction} detail */
  setDetail(detail) {
    // The tab's contact: it took the answer's only if that is not older than what a frame
    // brought meanwhile (a "Stopped marketing" line must not go back to hidden).
    this.setContact(this.host.contact(), { force: false });
    if (!this.dirty.case) this.renderCase(detail.case_data || {});
    this.renderNotes(detail.notes || []);
  }

  /** @param {Contact | undefined} contact */
  setContact(contact, { force = false } = {}) {
    if (!contact) return;
    const { contactForm, contactWa, contactProfile, contactMarketing } = this.refs;
    contactWa.textContent = contactAddress(contact);
    contactProfile.textContent = contact.profile_name ? fmt(gettext("WhatsApp name: %(profile_name)s"), { profile_name: contact.profile_name }) : "";
    const marketing = marketingLabel(contact, fullTimeOf);
    contactMarketing.textContent = marketing;
    contactMarketing.hidden = !marketing;
    contactMarketing.classList.toggle("contact-marketing--stopped", contact.marketing_preference === "stop");
    if (this.dirty.contact && !force) return;
    for (const name of /** @type {const} */ (["name", "email", "phone"])) {
      control(contactForm, name, HTMLInputElement).value = contact[name] || "";
    }
    this.dirty.contact = false;
  }

  async saveContact() {
    const { contactForm, contactStatus } = this.refs;
    const value = (/** @type {string} */ name) => control(contactForm, name, HTMLInputElement).value.trim();
    const body = { name: value("name"), email: value("email"), phone: value("phone") };
    this.status(contactStatus, gettext("Saving…"));
    try {
      /** @type {Contact} */
      const contact = await this.host.api.patch(`contacts/${this.host.contact().id}/`, body);
      this.dirty.contact = false;
      this.setContact(contact, { force: true });
      this.host.onContact(contact);
      this.status(contactStatus, gettext("Saved"));
    } catch (error) {
      this.status(contactStatus, describeError(error), true);
    }
  }

  // --- case information -------------------------------------------------------------

  /** @param {Record<string, unknown>} caseData */
  renderCase(caseData) {
    this.caseData = { ...caseData };
    const rows = Object.entries(caseData).map(([key, value]) => this.caseRow(key, value));
    this.refs.caseRows.replaceChildren(...rows);
    this.refs.caseEmpty.hidden = rows.length > 0;
    if (this.editable === false) for (const element of this.refs.caseForm.elements) setDisabled(element, true);
    this.dirty.case = false;
  }

  /** @param {string} key @param {unknown} value */
  caseRow(key, value) {
    const shown = display(value);
    const row = el(
      "div",
      { class: "kv-row", dataset: { original: shown, originalKey: key } },
      el("input", { class: "kv-key", name: "key", value: key, "aria-label": gettext("Field name"), placeholder: gettext("Field"), maxlength: 100 }),
      el("input", { class: "kv-value", name: "value", value: shown, "aria-label": `Value of ${key || gettext("the new field")}`, placeholder: gettext("Value") }),
      el(
        "button",
        {
          type: "button",
          class: "icon-btn icon-btn--small",
          "aria-label": fmt(gettext("Remove %(field)s"), { field: key || gettext("this field") }),
          title: gettext("Remove"),
          onclick: () => {
            row.remove();
            this.dirty.case = true;
            this.refs.caseEmpty.hidden = this.refs.caseRows.children.length > 0;
          },
        },
        icon("close"),
      ),
    );
    this.refs.caseEmpty.hidden = true;
    return row;
  }

  async saveCase() {
    const { caseRows, caseStatus } = this.refs;
    /** @type {Record<string, unknown>} */
    const data = {};
    for (const row of caseRows.querySelectorAll(".kv-row")) {
      const keyInput = row.querySelector(".kv-key");
      const valueInput = row.querySelector(".kv-value");
      if (!(row instanceof HTMLElement) || !(keyInput instanceof HTMLInputElement) || !(valueInput instanceof HTMLInputElement)) continue;
      const key = keyInput.value.trim();
      const text = valueInput.value;
      if (!key) continue;
      // An unchanged value keeps its type (numbers, lists…); an edited one is text.
      const unchanged = key === row.dataset.originalKey && text === row.dataset.original;
      data[key] = unchanged && key in this.caseData ? this.caseData[key] : text;
    }
    this.status(caseStatus, gettext("Saving…"));
    try {
      /** @type {{ case_data?: Record<string, unknown> }} */
      const answer = await this.host.api.patch(`interactions/${this.host.interactionId}/case-data/`, { case_data: data });
      this.renderCase(answer.case_data || data);
      this.status(caseStatus, gettext("Saved"));
    } catch (error) {
      this.status(caseStatus, describeError(error), true);
    }
  }

  // --- notes -----------------------------------------------------------------------

  /** @param {Note[]} notes */
  renderNotes(notes) {
    this.refs.notes.replaceChildren(...notes.map((note) => this.noteItem(note)));
    this.refs.notesEmpty.hidden = notes.length > 0;
  }

  /** @param {Note} note */
  noteItem(note) {
    const at = toDate(note.created_at);
    return el(
      "li",
      { class: "note", dataset: { noteId: String(note.id) } },
      el("div", { class: "note-body", text: note.body }),
      el("div", { class: "note-meta muted" }, `${note.author || gettext("Someone")} · `, el("time", { datetime: note.created_at, text: fullTimeOf(at) })),
    );
  }

  async addNote() {
    const { noteForm, noteStatus, notes } = this.refs;
    const field = control(noteForm, "body", HTMLTextAreaElement);
    const body = field.value.trim();
    if (!body) {
      this.status(noteStatus, gettext("Write the note first"), true);
      return;
    }
    this.status(noteStatus, gettext("Adding…"));
    try {
      /** @type {Note} */
      const note = await this.host.api.post(`interactions/${this.host.interactionId}/notes/`, { body });
      notes.append(this.noteItem(note));
      this.refs.notesEmpty.hidden = true;
      field.value = "";
      this.status(noteStatus, gettext("Added"));
    } catch (error) {
      this.status(noteStatus, describeError(error), true);
    }
  }

  // --- history -----------------------------------------------------------------------

  async loadHistory() {
    const { history, historyStatus } = this.refs;
    const contact = this.host.contact();
    if (!contact) return;
    this.status(historyStatus, gettext("Loading…"));
    try {
      /** @type {{ interactions?: HistoryEntry[] }} */
      const data = await this.host.api.get(`contacts/${contact.id}/history/`);
      const items = (data.interactions || []).map((item) =>
        historyItem(item, { current: item.id === this.host.interactionId, dispositionLabel: this.host.dispositionLabel }),
      );
      history.replaceChildren(...items);
      this.status(historyStatus, items.length ? "" : gettext("No earlier conversations"));
    } catch (error) {
      this.status(historyStatus, describeError(error), true);
    }
  }

  /**
   * A form's status line; a success fades after a few seconds.
   * @param {HTMLElement} node
   * @param {string} text
   */
  status(node, text, error = false) {
    node.textContent = text;
    node.classList.toggle("form-status--error", error);
    clearTimeout(this.clearTimers.get(node));
    if (text && !error && !text.endsWith("…")) {
      this.clearTimers.set(node, setTimeout(() => { node.textContent = ""; }, 4000));
    }
  }
}

/** A form control on or off (anything else in ``form.elements`` is left alone). @param {Element} element @param {boolean} disabled */
function setDisabled(element, disabled) {
  if ("disabled" in element) /** @type {HTMLInputElement} */ (element).disabled = disabled;
}
