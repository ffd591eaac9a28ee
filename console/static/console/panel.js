// W11: the side panel of a tab: contact information (editable; R8 "This is a known
// contact…"), case information (key/value editor), notes, and the contact's history on
// every channel. Its pages: Details, Responses (T1) and, when there is one, the
// Consultation (R6).

import { describeError } from "./composer.js";
import { el, fullTimeOf, onSubmit, toDate } from "./dom.js";
import { icon } from "./icons.js";

const PAGES = ["details", "responses", "consult"];
const STATE_LABELS = { queued: "waiting", offered: "offered", active: "active", parked: "in a workbin", closed: "done" };

function display(value) {
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** One entry of a contact's history (the side panel, the contact search). */
export function historyItem(item, { current = false, dispositionLabel = (code) => code } = {}) {
  return el(
    "li",
    { class: `history-item${current ? " history-item--current" : ""}`, dataset: { interactionId: String(item.id) } },
    el(
      "div",
      { class: "history-head" },
      el("time", { datetime: item.created_at, text: fullTimeOf(toDate(item.created_at)) }),
      el("span", { class: `badge badge--${item.state}`, text: current ? "this conversation" : STATE_LABELS[item.state] || item.state }),
    ),
    el("div", { class: "history-line muted", text: [item.channel, item.owner && `with ${item.owner}`].filter(Boolean).join(" · ") }),
    item.disposition ? el("div", { class: "history-line", text: `Disposition: ${dispositionLabel(item.disposition)}` }) : null,
    item.done_note ? el("div", { class: "history-line history-note", text: item.done_note }) : null,
  );
}

export class SidePanel {
  /**
   * host: { api, interactionId, contact(), onContact(contact), dispositionLabel(code),
   * onNewConversation(), onAssign(), onPage(name) }.
   */
  constructor(refs, host) {
    this.refs = refs;
    this.host = host;
    this.caseData = {};
    this.dirty = { contact: false, case: false };
    this.bind();
  }

  bind() {
    const { contactForm, caseForm, caseAdd, noteForm, historyRefresh, historyNew, assignContact } = this.refs;
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
      row.querySelector("input").focus();
    });
    onSubmit(noteForm, noteForm.elements.body, () => this.addNote());
    historyRefresh.addEventListener("click", () => this.loadHistory());
  }

  tabOf(name) {
    return { details: this.refs.sideTabDetails, responses: this.refs.sideTabResponses, consult: this.refs.sideTabConsult }[name];
  }

  pageOf(name) {
    return { details: this.refs.sideDetails, responses: this.refs.sideResponses, consult: this.refs.sideConsult }[name];
  }

  /** Details (contact, case, notes, history), Responses (T1) or Consultation (R6). */
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
    for (const [form, editable] of [[contactForm, contact], [caseForm, caseData], [noteForm, notes]]) {
      for (const control of form.elements) control.disabled = !editable;
    }
    caseAdd.disabled = !caseData;
  }

  /** The full interaction (GET interactions/{id}/console/). */
  setDetail(detail) {
    this.setContact(detail.contact, { force: false });
    if (!this.dirty.case) this.renderCase(detail.case_data || {});
    this.renderNotes(detail.notes || []);
  }

  setContact(contact, { force = false } = {}) {
    if (!contact) return;
    const { contactForm, contactWa, contactProfile } = this.refs;
    contactWa.textContent = contact.wa_id ? `+${contact.wa_id}` : "";
    contactProfile.textContent = contact.profile_name ? `WhatsApp name: ${contact.profile_name}` : "";
    if (this.dirty.contact && !force) return;
    for (const name of ["name", "email", "phone"]) contactForm.elements[name].value = contact[name] || "";
    this.dirty.contact = false;
  }

  async saveContact() {
    const { contactForm, contactStatus } = this.refs;
    const body = {
      name: contactForm.elements.name.value.trim(),
      email: contactForm.elements.email.value.trim(),
      phone: contactForm.elements.phone.value.trim(),
    };
    this.status(contactStatus, "Saving…");
    try {
      const contact = await this.host.api.patch(`contacts/${this.host.contact().id}/`, body);
      this.dirty.contact = false;
      this.setContact(contact, { force: true });
      this.host.onContact(contact);
      this.status(contactStatus, "Saved");
    } catch (error) {
      this.status(contactStatus, describeError(error), true);
    }
  }

  // --- case information -------------------------------------------------------------

  renderCase(caseData) {
    this.caseData = { ...caseData };
    const rows = Object.entries(caseData).map(([key, value]) => this.caseRow(key, value));
    this.refs.caseRows.replaceChildren(...rows);
    this.refs.caseEmpty.hidden = rows.length > 0;
    if (this.editable === false) for (const control of this.refs.caseForm.elements) control.disabled = true;
    this.dirty.case = false;
  }

  caseRow(key, value) {
    const shown = display(value);
    const row = el(
      "div",
      { class: "kv-row", dataset: { original: shown, originalKey: key } },
      el("input", { class: "kv-key", name: "key", value: key, "aria-label": "Field name", placeholder: "Field", maxlength: 100 }),
      el("input", { class: "kv-value", name: "value", value: shown, "aria-label": `Value of ${key || "the new field"}`, placeholder: "Value" }),
      el(
        "button",
        {
          type: "button",
          class: "icon-btn icon-btn--small",
          "aria-label": `Remove ${key || "this field"}`,
          title: "Remove",
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
    const data = {};
    for (const row of caseRows.querySelectorAll(".kv-row")) {
      const key = row.querySelector(".kv-key").value.trim();
      const text = row.querySelector(".kv-value").value;
      if (!key) continue;
      // An unchanged value keeps its type (numbers, lists…); an edited one is text.
      const unchanged = key === row.dataset.originalKey && text === row.dataset.original;
      data[key] = unchanged && key in this.caseData ? this.caseData[key] : text;
    }
    this.status(caseStatus, "Saving…");
    try {
      const answer = await this.host.api.patch(`interactions/${this.host.interactionId}/case-data/`, { case_data: data });
      this.renderCase(answer.case_data || data);
      this.status(caseStatus, "Saved");
    } catch (error) {
      this.status(caseStatus, describeError(error), true);
    }
  }

  // --- notes -----------------------------------------------------------------------

  renderNotes(notes) {
    this.refs.notes.replaceChildren(...notes.map((note) => this.noteItem(note)));
    this.refs.notesEmpty.hidden = notes.length > 0;
  }

  noteItem(note) {
    const at = toDate(note.created_at);
    return el(
      "li",
      { class: "note", dataset: { noteId: String(note.id) } },
      el("div", { class: "note-body", text: note.body }),
      el("div", { class: "note-meta muted" }, `${note.author || "Someone"} · `, el("time", { datetime: note.created_at, text: fullTimeOf(at) })),
    );
  }

  async addNote() {
    const { noteForm, noteStatus, notes } = this.refs;
    const field = noteForm.elements.body;
    const body = field.value.trim();
    if (!body) {
      this.status(noteStatus, "Write the note first", true);
      return;
    }
    this.status(noteStatus, "Adding…");
    try {
      const note = await this.host.api.post(`interactions/${this.host.interactionId}/notes/`, { body });
      notes.append(this.noteItem(note));
      this.refs.notesEmpty.hidden = true;
      field.value = "";
      this.status(noteStatus, "Added");
    } catch (error) {
      this.status(noteStatus, describeError(error), true);
    }
  }

  // --- history -----------------------------------------------------------------------

  async loadHistory() {
    const { history, historyStatus } = this.refs;
    const contact = this.host.contact();
    if (!contact) return;
    this.status(historyStatus, "Loading…");
    try {
      const data = await this.host.api.get(`contacts/${contact.id}/history/`);
      const items = (data.interactions || []).map((item) =>
        historyItem(item, { current: item.id === this.host.interactionId, dispositionLabel: this.host.dispositionLabel }),
      );
      history.replaceChildren(...items);
      this.status(historyStatus, items.length ? "" : "No earlier conversations");
    } catch (error) {
      this.status(historyStatus, describeError(error), true);
    }
  }

  status(node, text, error = false) {
    node.textContent = text;
    node.classList.toggle("form-status--error", error);
    clearTimeout(node.clearTimer);
    if (text && !error && !text.endsWith("…")) node.clearTimer = setTimeout(() => { node.textContent = ""; }, 4000);
  }
}
