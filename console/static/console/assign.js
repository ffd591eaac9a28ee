// R8 manual contact assignment: "This is a known contact…". The customer writing from an
// unknown number is someone the contact database knows: search the contacts, choose one,
// confirm. The interaction's contact is merged into it (POST assign-contact/); the header,
// the contact panel, the transcript's earlier conversations and the contact history then
// show the known contact.

import { describeError } from "./composer.js";
import { debounce, el, initialOf, showStatus } from "./dom.js";
import { icon } from "./icons.js";

const $ = (id) => document.getElementById(id);

/** "/api/v1/contacts/?cursor=…" from the absolute "next" link of a page. */
function pathOf(next) {
  try {
    const url = new URL(next, window.location.href);
    return `${url.pathname}${url.search}`;
  } catch {
    return null;
  }
}

function nameOf(contact) {
  return contact.display_name || (contact.wa_id ? `+${contact.wa_id}` : "Contact");
}

export class ContactAssign {
  constructor(app) {
    this.app = app;
    this.api = app.api;
    this.dialog = $("assign-dialog");
    this.search = $("assign-search");
    this.submitButton = $("assign-submit");
    this.tab = null;
    this.chosen = null;
    this.next = null;
    this.seq = 0;
    this.busy = false;
    this.searchSoon = debounce(() => this.load(), 300);
    this.bind();
  }

  get isOpen() {
    return this.dialog.open;
  }

  bind() {
    $("assign-cancel").addEventListener("click", () => this.dialog.close());
    this.search.addEventListener("input", () => this.searchSoon());
    $("assign-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.searchSoon.cancel();
      this.load();
    });
    $("assign-more").addEventListener("click", () => this.load({ more: true }));
    this.submitButton.addEventListener("click", () => this.submit());
    this.dialog.addEventListener("close", () => {
      this.seq += 1;
      this.searchSoon.cancel();
      const tab = this.tab;
      this.tab = null;
      this.chosen = null;
      const active = document.activeElement;
      const free = !active || active === document.body || this.dialog.contains(active);
      if (tab && free && this.app.tabs.has(tab.id) && !tab.refs.assignContact.hidden) tab.refs.assignContact.focus();
    });
  }

  open(tab) {
    if (this.isOpen) this.dialog.close();
    this.tab = tab;
    this.chosen = null;
    this.next = null;
    this.busy = false;
    const contact = tab.contact;
    $("assign-name").textContent = nameOf(contact);
    $("assign-number").textContent = contact.wa_id ? `+${contact.wa_id}` : "";
    this.search.value = "";
    $("assign-results").replaceChildren();
    $("assign-more").hidden = true;
    this.question(null);
    this.problem(null);
    this.status("Search by name, e-mail or phone digits.");
    this.updateSubmit();
    this.dialog.showModal();
    this.search.focus();
  }

  tabClosed(tab) {
    if (this.isOpen && this.tab === tab) this.dialog.close();
  }

  async load({ more = false } = {}) {
    const tab = this.tab;
    if (!tab) return;
    const query = this.search.value.trim();
    const seq = ++this.seq;
    if (!more) {
      this.next = null;
      if (!query) {
        $("assign-results").replaceChildren();
        $("assign-more").hidden = true;
        this.status("Search by name, e-mail or phone digits.");
        return;
      }
    }
    const path = more && this.next ? pathOf(this.next) : `contacts/?search=${encodeURIComponent(query)}`;
    if (!path) return;
    this.status("Searching…");
    try {
      const data = await this.api.get(path);
      if (seq !== this.seq || tab !== this.tab) return;
      const found = (data.results || []).filter((c) => c.id !== tab.contact.id);
      const items = found.map((contact) => this.entry(contact));
      if (more) $("assign-results").append(...items);
      else $("assign-results").replaceChildren(...items);
      this.next = data.next || null;
      $("assign-more").hidden = !this.next;
      const shown = $("assign-results").children.length;
      this.status(shown ? `${shown} found${this.next ? " (more below)" : ""}` : `No other contact matches “${query}”.`);
    } catch (error) {
      if (seq !== this.seq) return;
      this.status(`Could not search the contacts: ${describeError(error)}`, true);
    }
  }

  entry(contact) {
    const name = nameOf(contact);
    const sub = [contact.wa_id ? `+${contact.wa_id}` : "", contact.phone && contact.phone !== `+${contact.wa_id}` ? contact.phone : "",
      contact.profile_name && contact.profile_name !== name ? `~${contact.profile_name}` : "", contact.email]
      .filter(Boolean)
      .join(" · ");
    const choose = el("button", {
      type: "button",
      class: "btn btn--small",
      text: "Choose",
      "aria-label": `Choose ${name}`,
      "aria-pressed": "false",
      onclick: () => this.choose(contact, choose),
    });
    return el(
      "li",
      { class: "directory-item assign-item", dataset: { contactId: String(contact.id) } },
      el(
        "div",
        { class: "directory-row" },
        el("span", { class: "avatar avatar--small", "aria-hidden": "true", text: initialOf(name) }),
        el("div", { class: "directory-main" }, el("span", { class: "directory-name", text: name }),
          sub ? el("span", { class: "directory-sub muted", text: sub }) : null),
        choose,
      ),
    );
  }

  choose(contact, button) {
    this.chosen = contact;
    for (const other of $("assign-results").querySelectorAll("button[aria-pressed]")) {
      other.setAttribute("aria-pressed", String(other === button));
      other.closest(".assign-item").classList.toggle("assign-item--chosen", other === button);
    }
    const current = this.tab.contact;
    this.question(
      `Assign this conversation with ${nameOf(current)}${current.wa_id ? ` (+${current.wa_id})` : ""} to ${nameOf(contact)}? ` +
        `Its messages and the number move to ${nameOf(contact)}, whose earlier conversations then show here.`,
    );
    this.problem(null);
    this.updateSubmit();
    this.submitButton.focus();
  }

  updateSubmit() {
    this.submitButton.disabled = this.busy || !this.chosen;
    this.submitButton.textContent = this.busy ? "Assigning…" : "Assign";
  }

  async submit() {
    const tab = this.tab;
    const contact = this.chosen;
    if (!tab || !contact || this.busy) return;
    this.busy = true;
    this.problem(null);
    this.updateSubmit();
    try {
      const target = await this.api.post(`interactions/${tab.id}/assign-contact/`, { contact_id: contact.id });
      this.dialog.close();
      tab.contactAssigned(target);
      const said = `This conversation now belongs to ${nameOf(target)}.`;
      this.app.toast(said);
      this.app.announce(said);
    } catch (error) {
      if (this.tab === tab) this.problem(error);
    } finally {
      this.busy = false;
      if (this.tab === tab) this.updateSubmit();
    }
  }

  status(text, error = false) {
    showStatus($("assign-status"), text, error);
  }

  question(text) {
    const node = $("assign-question");
    node.hidden = !text;
    node.textContent = text || "";
  }

  problem(error) {
    const box = $("assign-error");
    box.hidden = !error;
    box.replaceChildren();
    delete box.dataset.code;
    if (!error) return;
    box.dataset.code = error.code || "";
    box.append(icon("alert"), el("span", { text: describeError(error) }));
  }
}
