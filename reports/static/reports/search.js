// O6: search interactions over REST (/api/v1/interactions/search/), open one read-only,
// or start a WhatsApp conversation with its contact (outbound session, O3). Data reaches
// the page through textContent only (no HTML from anyone's text).

/**
 * @typedef {{ id: number, name: string, wa_id: string | null, username?: string }} Contact
 * @typedef {{ id: number, state: string, disposition: string, created_at: string, contact: Contact }} Summary
 * @typedef {{ interaction: Summary, owner_name: string, queue_name: string, channel_name: string, closed_at: string | null }} Hit
 * @typedef {{ next: string | null, previous: string | null, results: Hit[] }} HitPage
 * @typedef {{ id: number, direction: string, type: string, body: string, origination_at: string }} Message
 * @typedef {{ id: number, name: string, language: string }} Template
 * @typedef {{ error?: { code: string, message: string, fields?: Record<string, string[]> } }} ErrorBody
 */

import { gettext, ngettext } from "./i18n.js";
import { searchParams } from "./search-params.js";

const API = "/api/v1/";

/** @param {string} name @returns {string} */
function cookie(name) {
  const found = document.cookie.split("; ").find((part) => part.startsWith(`${name}=`));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
}

/** @returns {string} */
function csrfToken() {
  const field = document.querySelector("input[name=csrfmiddlewaretoken]");
  return cookie("csrftoken") || (field instanceof HTMLInputElement ? field.value : "");
}

/**
 * A JSON request; a refusal becomes an Error whose message says which field and why.
 * @param {string} url
 * @param {RequestInit} [init]
 * @returns {Promise<any>}
 */
async function request(url, init = {}) {
  const headers = { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken() };
  const response = await fetch(url, { credentials: "same-origin", ...init, headers });
  const body = /** @type {ErrorBody & Record<string, unknown>} */ (await response.json().catch(() => ({})));
  if (!response.ok) {
    const error = body.error;
    const fields = error?.fields
      ? Object.entries(error.fields).map(([name, messages]) => `${name}: ${messages.join(" ")}`)
      : [];
    throw new Error(fields.length ? fields.join("; ") : error?.message || `HTTP ${response.status}`);
  }
  return body;
}

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [text]
 * @param {string} [className]
 * @returns {HTMLElementTagNameMap[K]}
 */
function element(tag, text = "", className = "") {
  const node = document.createElement(tag);
  if (text) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** @param {string} id @returns {HTMLElement} */
function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing`);
  return node;
}

/** @param {string | null} iso @returns {string} */
function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "";
}

class SearchPage {
  constructor() {
    this.form = /** @type {HTMLFormElement} */ (byId("search-form"));
    this.table = /** @type {HTMLTableElement} */ (byId("search-results"));
    this.rows = /** @type {HTMLTableSectionElement} */ (this.table.tBodies[0]);
    this.status = byId("search-status");
    this.error = byId("search-error");
    this.more = /** @type {HTMLButtonElement} */ (byId("search-more"));
    this.detail = byId("search-detail");
    this.startForm = /** @type {HTMLFormElement} */ (byId("start-form"));
    /** @type {string | null} */
    this.next = null;
    /** @type {Hit | null} */
    this.current = null;
    /** @type {Template[] | null} */
    this.templates = null;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.search();
    });
    this.more.addEventListener("click", () => void this.load(this.next, false));
    this.startForm.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.start();
    });
  }

  async search() {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const params = searchParams(new FormData(this.form).entries(), zone);
    await this.load(`${API}interactions/search/?${params.toString()}`, true);
  }

  /** @param {string | null} url @param {boolean} fresh */
  async load(url, fresh) {
    if (!url) return;
    this.error.hidden = true;
    try {
      const page = /** @type {HitPage} */ (await request(url));
      if (fresh) this.rows.replaceChildren();
      for (const hit of page.results) this.rows.append(this.row(hit));
      this.next = page.next;
      this.more.hidden = !page.next;
      this.table.hidden = this.rows.rows.length === 0;
      const found = this.rows.rows.length;
      this.status.textContent = !found
        ? gettext("Nothing found.")
        : page.next
          ? gettext("%(count)s+ interactions found.", { count: found })
          : ngettext("%(count)s interaction found.", "%(count)s interactions found.", found, { count: found });
    } catch (error) {
      this.error.textContent = error instanceof Error ? error.message : String(error);
      this.error.hidden = false;
    }
  }

  /** @param {Hit} hit @returns {HTMLTableRowElement} */
  row(hit) {
    const { interaction } = hit;
    const tr = element("tr");
    tr.dataset["interactionId"] = String(interaction.id);
    tr.append(
      element("td", interaction.contact.name),
      element("td", interaction.contact.wa_id ? `+${interaction.contact.wa_id}` : ""),
      element("td", when(interaction.created_at)),
      element("td", interaction.state),
      element("td", hit.owner_name),
      element("td", hit.queue_name),
      element("td", interaction.disposition),
    );
    const open = element("button", gettext("Open"));
    open.type = "button";
    open.addEventListener("click", () => void this.open(hit));
    const cell = element("td");
    cell.append(open);
    tr.append(cell);
    return tr;
  }

  /** @param {Hit} hit */
  async open(hit) {
    this.current = hit;
    const { interaction } = hit;
    byId("detail-title").textContent = `${interaction.contact.name} · ${when(interaction.created_at)}`;
    const transcript = byId("detail-transcript");
    transcript.replaceChildren(element("p", gettext("Loading…"), "muted"));
    this.detail.hidden = false;
    byId("start-status").textContent = "";
    try {
      const page = /** @type {{ messages: Message[] }} */ (
        await request(`${API}interactions/${interaction.id}/messages/?after_id=0`)
      );
      transcript.replaceChildren(
        ...page.messages.map((message) => {
          const bubble = element("div", "", `msg ${message.direction === "out" ? "out" : "in"}`);
          bubble.append(element("small", `${when(message.origination_at)} · ${message.type}`), element("div", message.body));
          return bubble;
        }),
      );
      if (!page.messages.length) transcript.replaceChildren(element("p", gettext("No messages."), "muted"));
    } catch (error) {
      transcript.replaceChildren(element("p", error instanceof Error ? error.message : String(error), "form-error"));
    }
    await this.loadTemplates();
  }

  async loadTemplates() {
    if (this.templates) return;
    const select = /** @type {HTMLSelectElement} */ (byId("start-template"));
    try {
      const answer = /** @type {{ templates: Template[] }} */ (await request(`${API}templates/`));
      this.templates = answer.templates;
      select.replaceChildren(
        ...answer.templates.map((template) => {
          const option = element("option", `${template.name} (${template.language})`);
          option.value = String(template.id);
          return option;
        }),
      );
    } catch (error) {
      byId("start-status").textContent = error instanceof Error ? error.message : String(error);
    }
  }

  async start() {
    if (!this.current) return;
    const status = byId("start-status");
    const select = /** @type {HTMLSelectElement} */ (byId("start-template"));
    try {
      const started = /** @type {{ interaction: Summary }} */ (
        await request(`${API}outbound-sessions/`, {
          method: "POST",
          body: JSON.stringify({
            contact_id: this.current.interaction.contact.id,
            template_id: Number(select.value),
            assign_to_me: true,
          }),
        })
      );
      status.textContent = gettext("Conversation %(id)s started: it is in your console.", { id: started.interaction.id });
    } catch (error) {
      status.textContent = error instanceof Error ? error.message : String(error);
    }
  }
}

if (typeof document !== "undefined" && document.getElementById("search-form")) new SearchPage();
