// O3: start a WhatsApp conversation with a past contact. A small dialog: "My history"
// (the agent's past conversations) or a contact search (name, WhatsApp name, e-mail or
// phone digits); each contact's history unfolds, where the server allows it
// (``history_visible``); "New WhatsApp conversation" opens the
// Notification editor in start mode (notifications.js).

import { FormDialog } from "./dialog.js";
import { byId, el } from "./dom.js";
import { describeError } from "./errors.js";
import { debounce, fullTimeOf, initialOf, toDate } from "./format.js";
import { icon } from "./icons.js";
import { nameOf, numberAside, profileAside } from "./identity.js";
import { historyItem } from "./panel.js";
import { fmt, gettext } from "./i18n.js";

/** @import { ConsoleApp } from "./console.js" */
/** @import { Contact, HistoryEntry } from "./types.js" */

/** A contact found, and their last conversation with this agent (My history). @typedef {{ contact: Contact, last: HistoryEntry | null }} Entry */

export class Directory extends FormDialog {
  /** @param {ConsoleApp} app */
  constructor(app) {
    super({ dialog: "directory-dialog", cancel: "directory-close", status: "directory-status" });
    this.app = app;
    this.api = app.api;
    this.search = byId("directory-search", HTMLInputElement);
    this.results = byId("directory-results");
    this.seq = 0;
    this.searchSoon = debounce(() => this.load(), 300);
    byId("directory-open").addEventListener("click", () => this.open());
    this.search.addEventListener("input", () => this.searchSoon());
    byId("directory-form", HTMLFormElement).addEventListener("submit", (event) => {
      event.preventDefault();
      this.searchSoon.cancel();
      this.load();
    });
  }

  /** @override */
  closed() {
    this.seq += 1;
  }

  open() {
    const back = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    this.search.value = "";
    this.results.replaceChildren();
    // Back where the agent was, unless a new conversation's editor opened from here.
    this.show({ returnFocus: () => (this.app.notifications.isOpen ? null : back) });
    this.search.focus();
    this.load();
  }

  async load() {
    const query = this.search.value.trim();
    const seq = ++this.seq;
    byId("directory-heading").textContent = query ? fmt(gettext("Contacts matching “%(query)s”"), { query }) : gettext("My history");
    this.status(query ? gettext("Searching…") : gettext("Loading…"));
    try {
      /** @type {Entry[]} */
      let entries;
      if (query) {
        /** @type {{ results?: Contact[] }} */
        const data = await this.api.get(`contacts/?search=${encodeURIComponent(query)}`);
        entries = (data.results || []).map((contact) => ({ contact, last: null }));
      } else {
        /** @type {{ results?: HistoryEntry[] }} */
        const data = await this.api.get("interactions/?state=closed");
        const seen = new Set();
        entries = [];
        for (const interaction of data.results || []) {
          if (!interaction.contact || seen.has(interaction.contact.id)) continue;
          seen.add(interaction.contact.id);
          entries.push({ contact: interaction.contact, last: interaction });
        }
      }
      if (seq !== this.seq) return;
      this.results.replaceChildren(...entries.map((entry) => this.entry(entry)));
      this.status(
        entries.length ? "" : query ? fmt(gettext("No contact matches “%(query)s”."), { query }) : gettext("No past conversations yet: search the contacts above."),
      );
    } catch (error) {
      if (seq !== this.seq) return;
      this.results.replaceChildren();
      this.status(fmt(query ? gettext("Could not search the contacts: %(error)s") : gettext("Could not load your history: %(error)s"), { error: describeError(error) }), true);
    }
  }

  /** @param {Entry} entry */
  entry({ contact, last }) {
    const name = nameOf(contact);
    const history = el("ol", { class: "history directory-history", hidden: true });
    // Offered only where the server says the agent may open it (the endpoint's own rule).
    let historyButton = null;
    if (contact.history_visible) {
      const button = el("button", {
        type: "button",
        class: "btn btn--small btn--ghost",
        text: gettext("History"),
        "aria-expanded": "false",
        "aria-label": fmt(gettext("History of %(name)s"), { name }),
      });
      button.addEventListener("click", () => this.toggleHistory(contact, history, button));
      historyButton = button;
    }
    const openTab = [...this.app.tabs.values()].find((tab) => tab.contact.id === contact.id);
    const action = openTab
      ? el("button", {
          type: "button",
          class: "btn btn--small",
          text: gettext("Go to the conversation"),
          onclick: () => {
            this.close();
            this.app.activate(openTab.id, { focus: true });
          },
        })
      : el(
          "button",
          {
            type: "button",
            class: "btn btn--small btn--primary",
            "aria-label": fmt(gettext("New WhatsApp conversation with %(name)s"), { name }),
            disabled: !contact.wa_id,
            title: contact.wa_id ? null : gettext("This contact has no WhatsApp number"),
            onclick: () => {
              this.close();
              this.app.notifications.openStart(contact);
            },
          },
          icon("plus"),
          gettext("New WhatsApp conversation"),
        );
    const lastAt = last ? toDate(last.closed_at || last.created_at) : null;
    return el(
      "li",
      { class: "directory-item", dataset: { contactId: String(contact.id) } },
      el(
        "div",
        { class: "directory-row" },
        el("span", { class: "avatar avatar--small", "aria-hidden": "true", text: initialOf(name) }),
        el(
          "div",
          { class: "directory-main" },
          el("span", { class: "directory-name", text: name }),
          el("span", {
            class: "directory-sub muted",
            text: [numberAside(contact), profileAside(contact), contact.email]
              .filter(Boolean)
              .join(" · "),
          }),
          lastAt && last
            ? el("span", {
                class: "directory-sub muted",
                text: fmt(gettext("Last conversation %(when)s%(disposition)s"), {
                  when: fullTimeOf(lastAt),
                  disposition: last.disposition ? ` · ${this.app.dispositionLabel(last.disposition)}` : "",
                }),
              })
            : null,
        ),
      ),
      el("div", { class: "directory-actions" }, historyButton, action),
      history,
    );
  }

  /** @param {Contact} contact @param {HTMLElement} list @param {HTMLButtonElement} button */
  async toggleHistory(contact, list, button) {
    const open = list.hidden;
    list.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (!open || list.dataset.loaded) return;
    list.replaceChildren(el("li", { class: "muted", text: gettext("Loading…") }));
    try {
      /** @type {{ interactions?: HistoryEntry[] }} */
      const data = await this.api.get(`contacts/${contact.id}/history/`);
      const items = (data.interactions || []).map((item) =>
        historyItem(item, { dispositionLabel: (code) => this.app.dispositionLabel(code) }),
      );
      list.replaceChildren(...(items.length ? items : [el("li", { class: "muted", text: gettext("No conversations") })]));
      list.dataset.loaded = "true";
    } catch (error) {
      list.replaceChildren(el("li", { class: "form-status--error", text: describeError(error) }));
    }
  }
}
