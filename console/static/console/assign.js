// R8 manual contact assignment: "This is a known contact…". The customer writing from an
// unknown number is someone the contact database knows: search the contacts, choose one,
// confirm. The interaction's contact is merged into it (POST assign-contact/); the header,
// the contact panel, the transcript's earlier conversations and the contact history then
// show the known contact.

import { FormDialog } from "./dialog.js";
import { byId, el } from "./dom.js";
import { describeError } from "./errors.js";
import { debounce, initialOf } from "./format.js";
import { nameOf, numberAside, profileAside } from "./identity.js";
import { fmt, gettext, ngettext } from "./i18n.js";

/** @import { ConsoleApp } from "./console.js" */
/** @import { InteractionTab } from "./tab.js" */
/** @import { Contact } from "./types.js" */

const HINT = gettext("Search by name, e-mail or phone digits.");

/** "/api/v1/contacts/?cursor=…" from the absolute "next" link of a page. @param {string} next */
function pathOf(next) {
  try {
    const url = new URL(next, window.location.href);
    return `${url.pathname}${url.search}`;
  } catch {
    return null;
  }
}

export class ContactAssign extends FormDialog {
  /** @param {ConsoleApp} app */
  constructor(app) {
    super({ dialog: "assign-dialog", submit: "assign-submit", cancel: "assign-cancel", problem: "assign-error", status: "assign-status", labels: { idle: gettext("Assign"), busy: gettext("Assigning…") } });
    this.app = app;
    this.api = app.api;
    this.search = byId("assign-search", HTMLInputElement);
    this.results = byId("assign-results");
    this.more = byId("assign-more", HTMLButtonElement);
    /** @type {Contact | null} */
    this.chosen = null;
    /** The next page of the search. @type {string | null} */
    this.next = null;
    this.seq = 0;
    this.searchSoon = debounce(() => this.load(), 300);
    this.bind();
  }

  bind() {
    this.search.addEventListener("input", () => this.searchSoon());
    byId("assign-form", HTMLFormElement).addEventListener("submit", (event) => {
      event.preventDefault();
      this.searchSoon.cancel();
      this.load();
    });
    this.more.addEventListener("click", () => this.load({ more: true }));
    if (this.submitButton) this.submitButton.addEventListener("click", () => this.submit());
  }

  /** @override */
  closed() {
    this.seq += 1;
    this.searchSoon.cancel();
    this.chosen = null;
  }

  /** @param {InteractionTab} tab */
  open(tab) {
    if (this.isOpen) this.close();
    this.chosen = null;
    this.next = null;
    const contact = tab.contact;
    byId("assign-name").textContent = nameOf(contact);
    byId("assign-number").textContent = contact.wa_id ? `+${contact.wa_id}` : "";
    this.search.value = "";
    this.results.replaceChildren();
    this.more.hidden = true;
    this.question(null);
    this.status(HINT);
    const button = tab.refs.assignContact;
    this.show({ tab, returnFocus: () => (this.app.tabs.has(tab.id) ? button : null) });
    this.search.focus();
  }

  async load({ more = false } = {}) {
    const tab = this.tab;
    if (!tab) return;
    const query = this.search.value.trim();
    const seq = ++this.seq;
    if (!more) {
      this.next = null;
      if (!query) {
        this.results.replaceChildren();
        this.more.hidden = true;
        this.status(HINT);
        return;
      }
    }
    const path = more && this.next ? pathOf(this.next) : `contacts/?search=${encodeURIComponent(query)}`;
    if (!path) return;
    this.status(gettext("Searching…"));
    try {
      /** @type {{ results?: Contact[], next?: string | null }} */
      const data = await this.api.get(path);
      if (seq !== this.seq || tab !== this.tab) return;
      const found = (data.results || []).filter((c) => c.id !== tab.contact.id);
      const items = found.map((contact) => this.entry(contact));
      if (more) this.results.append(...items);
      else this.results.replaceChildren(...items);
      this.next = data.next || null;
      this.more.hidden = !this.next;
      const shown = this.results.children.length;
      this.status(shown ? fmt(ngettext("%(count)s found", "%(count)s found", shown), { count: shown }) + (this.next ? ` ${gettext("(more below)")}` : "") : fmt(gettext("No other contact matches “%(query)s”."), { query }));
    } catch (error) {
      if (seq !== this.seq) return;
      this.status(fmt(gettext("Could not search the contacts: %(error)s"), { error: describeError(error) }), true);
    }
  }

  /** @param {Contact} contact */
  entry(contact) {
    const name = nameOf(contact);
    const sub = [numberAside(contact), contact.phone && contact.phone !== `+${contact.wa_id}` ? contact.phone : "",
      profileAside(contact), contact.email]
      .filter(Boolean)
      .join(" · ");
    const choose = el("button", {
      type: "button",
      class: "btn btn--small",
      text: gettext("Choose"),
      "aria-label": `Choose ${name}`,
      "aria-pressed": "false",
    });
    choose.addEventListener("click", () => this.choose(contact, choose));
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

  /** @param {Contact} contact @param {HTMLButtonElement} button */
  choose(contact, button) {
    const tab = this.tab;
    if (!tab) return;
    this.chosen = contact;
    for (const other of this.results.querySelectorAll("button[aria-pressed]")) {
      other.setAttribute("aria-pressed", String(other === button));
      const item = other.closest(".assign-item");
      if (item) item.classList.toggle("assign-item--chosen", other === button);
    }
    const current = tab.contact;
    this.question(
      fmt(
        gettext("Assign this conversation with %(current)s%(number)s to %(contact)s? Its messages and the number move to %(contact)s, whose earlier conversations then show here."),
        { current: nameOf(current), number: numberAside(current) ? ` (${numberAside(current)})` : "", contact: nameOf(contact) },
      ),
    );
    this.problem(null);
    this.updateSubmit();
    if (this.submitButton) this.submitButton.focus();
  }

  /** @override */
  canSubmit() {
    return Boolean(this.chosen);
  }

  /** @override */
  submit() {
    const tab = this.tab;
    const contact = this.chosen;
    if (!tab || !contact) return;
    this.run(async () => {
      /** @type {Contact} */
      const target = await this.api.post(`interactions/${tab.id}/assign-contact/`, { contact_id: contact.id });
      this.close();
      tab.contactAssigned(target);
      const said = fmt(gettext("This conversation now belongs to %(name_of)s."), { name_of: nameOf(target) });
      this.app.toast(said);
      this.app.announce(said);
    });
  }

  /** The confirmation question (null hides it). @param {string | null} text */
  question(text) {
    const node = byId("assign-question");
    node.hidden = !text;
    node.textContent = text || "";
  }
}
