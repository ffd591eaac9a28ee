// T1: the Standard Response Library. One catalogue for the console (GET
// standard-responses/), the Responses page of each tab's side panel (search, insert), and
// the "/shortcut" suggestions of each composer (arrows, Enter or Tab to insert, Esc).
//
// Inserting a response puts its text in the composer, where the agent can edit it; its
// files become chips above the composer (each removable) and go out after the text, each
// as its own message (composer.js). A response that is a Notification opens the
// Notification editor instead (notifications.js).

import { el, showStatus } from "./dom.js";
import { debounce, humanSize } from "./format.js";
import { icon } from "./icons.js";
import { byCategory, matchResponses, shortcutToken } from "./responses.js";
import { fmt, gettext, ngettext } from "./i18n.js";

/** @import { Api } from "./api.js" */
/** @import { ResponseFile, StandardResponse } from "./types.js" */
/** @import { TabRefs } from "./tab-refs.js" */

const MAX_AGE_MS = 60000;
const SUGGESTIONS_MAX = 8;

/** What failed, in words (the server's message). @param {unknown} error */
export function describeFailure(error) {
  return (error instanceof Error && error.message) || gettext("Something went wrong.");
}

/** The responses, shared by every tab: the whole library (cached a minute) or a search. */
export class ResponseLibrary {
  /** @param {Api} api */
  constructor(api) {
    this.api = api;
    /** @type {StandardResponse[] | null} */
    this.cache = null;
    this.loadedAt = 0;
    /** @type {Promise<StandardResponse[]> | null} */
    this.loading = null;
  }

  /** @returns {Promise<StandardResponse[]>} */
  all({ fresh = false } = {}) {
    if (!fresh && this.cache && Date.now() - this.loadedAt < MAX_AGE_MS) return Promise.resolve(this.cache);
    if (this.loading) return this.loading;
    this.loading = this.api
      .get("standard-responses/")
      .then((/** @type {{ responses?: StandardResponse[] }} */ data) => {
        this.cache = data.responses || [];
        this.loadedAt = Date.now();
        return this.cache;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }

  /** @param {string} query @returns {Promise<StandardResponse[]>} */
  async search(query) {
    const q = query.trim();
    if (!q) return this.all({ fresh: true });
    /** @type {{ responses?: StandardResponse[] }} */
    const data = await this.api.get(`standard-responses/?search=${encodeURIComponent(q)}`);
    return data.responses || [];
  }

  /**
   * Responses whose shortcut (then name) starts with ``query``, shortcuts first; from the
   * loaded library, at once (null while it has never been loaded). A stale copy answers
   * while a fresh one loads, so that what Enter picks is always what the list shows.
   * @param {string} query
   */
  match(query) {
    if (!this.cache) return null;
    if (Date.now() - this.loadedAt > MAX_AGE_MS) this.all().catch(() => {});
    return matchResponses(this.cache, query, SUGGESTIONS_MAX);
  }
}

/** @param {ResponseFile} file */
function fileIcon(file) {
  const mime = String(file.mime_type || "");
  if (mime.startsWith("image/")) return icon("image");
  if (mime.startsWith("video/")) return icon("video");
  if (mime.startsWith("audio/")) return icon("audio");
  return icon("doc");
}

/**
 * A file as a chip: its icon, name and size, and a way to remove it (with ``onRemove``).
 * @param {ResponseFile} file
 * @param {{ onRemove?: (() => void) | null }} [options]
 */
export function fileChip(file, { onRemove = null } = {}) {
  return el(
    "li",
    { class: "chip", dataset: { fileName: file.file_name } },
    fileIcon(file),
    el("span", { class: "chip-name", text: file.file_name }),
    file.size ? el("span", { class: "chip-size", text: humanSize(file.size) }) : null,
    onRemove
      ? el(
          "button",
          {
            type: "button",
            class: "chip-remove",
            title: fmt(gettext("Remove %(file_name)s: it will not be sent"), { file_name: file.file_name }),
            "aria-label": `Remove ${file.file_name}`,
            onclick: onRemove,
          },
          icon("close"),
        )
      : null,
  );
}

/** The Responses page of a tab's side panel: search the library, insert a response. */
export class ResponsesPanel {
  /**
   * @param {TabRefs} refs
   * @param {{ library: ResponseLibrary, onInsert: (response: StandardResponse) => void }} host
   */
  constructor(refs, host) {
    this.refs = refs;
    this.host = host;
    this.loaded = false;
    this.seq = 0;
    this.searchSoon = debounce(() => this.load(), 250);
    refs.responseSearch.addEventListener("input", () => this.searchSoon());
    refs.responseForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.searchSoon.cancel();
      this.load();
    });
  }

  /** The page is shown: load it the first time (the library may have changed since: refresh). */
  shown() {
    if (!this.loaded) this.load();
  }

  async load() {
    const query = this.refs.responseSearch.value;
    const seq = ++this.seq;
    this.status(gettext("Loading…"));
    try {
      const responses = await this.host.library.search(query);
      if (seq !== this.seq) return;
      this.loaded = true;
      this.render(responses, query.trim());
    } catch (error) {
      if (seq === this.seq) this.status(fmt(gettext("Could not load the responses: %(error)s"), { error: describeFailure(error) }), true);
    }
  }

  /** @param {StandardResponse[]} responses @param {string} query */
  render(responses, query) {
    this.refs.responseList.replaceChildren(
      ...[...byCategory(responses)].map(([category, items]) =>
        el(
          "li",
          { class: "response-group" },
          el("h3", { class: "response-group-title", text: category }),
          el("ul", { class: "response-items" }, items.map((response) => this.item(response))),
        ),
      ),
    );
    if (!responses.length) this.status(query ? fmt(gettext("No response matches “%(query)s”."), { query }) : gettext("The library is empty."));
    else this.status(query ? `${responses.length} found` : "");
  }

  /** @param {StandardResponse} response */
  item(response) {
    const files = response.attachments || [];
    const notification = Boolean(response.notification_template_id);
    return el(
      "li",
      { class: "response", dataset: { responseId: String(response.id) } },
      el(
        "div",
        { class: "response-head" },
        el("span", { class: "response-name", text: response.name }),
        response.shortcut ? el("span", { class: "response-shortcut", text: `/${response.shortcut}` }) : null,
        notification ? el("span", { class: "badge badge--notification", text: gettext("Notification") }) : null,
      ),
      response.text ? el("div", { class: "response-text", text: response.text }) : null,
      files.length ? el("ul", { class: "chips chips--static", "aria-label": gettext("Files sent after the text") }, files.map((f) => fileChip(f))) : null,
      el(
        "div",
        { class: "form-row" },
        el("button", {
          type: "button",
          class: "btn btn--small",
          text: notification ? gettext("Edit and send…") : gettext("Insert"),
          "aria-label": fmt(notification ? gettext("Edit and send %(name)s") : gettext("Insert %(name)s"), { name: response.name }),
          onclick: () => this.host.onInsert(response),
        }),
      ),
    );
  }

  /** @param {string} text */
  status(text, error = false) {
    showStatus(this.refs.responseStatus, text, error);
  }
}

/**
 * "/" and a shortcut in the composer: a list of matching responses above it. Arrows move,
 * Enter or Tab insert, Esc dismisses (until another "/" is typed). Its keydown listener
 * runs first (capture) so that Enter inserts instead of sending.
 */
export class ShortcutSuggest {
  /**
   * @param {HTMLTextAreaElement} text the composer's text area
   * @param {HTMLElement} list the listbox
   * @param {object} host
   * @param {ResponseLibrary} host.library
   * @param {string} host.idPrefix
   * @param {(response: StandardResponse, range: { start: number, end: number } | null) => void} host.onPick
   * @param {(text: string) => void} host.announce
   */
  constructor(text, list, host) {
    this.text = text;
    this.list = list;
    this.host = host;
    /** @type {StandardResponse[]} */
    this.items = [];
    this.active = 0;
    /** @type {{ start: number, end: number } | null} */
    this.range = null;
    /** @type {number | null} */
    this.dismissedAt = null;
    list.id = `${host.idPrefix}-suggest`;
    text.setAttribute("aria-autocomplete", "list");
    // A textbox may not carry aria-expanded (axe: aria-allowed-attr); the open list shows
    // through aria-activedescendant, set while an option is highlighted.
    text.setAttribute("aria-controls", list.id);
    text.addEventListener("keydown", (event) => this.onKey(event), { capture: true });
    text.addEventListener("input", () => this.refresh());
    text.addEventListener("click", () => this.refresh());
    text.addEventListener("blur", () => {
      // A click on a suggestion keeps the focus (mousedown is prevented); anything else closes.
      setTimeout(() => {
        if (document.activeElement !== this.text) this.hide();
      }, 100);
    });
    list.addEventListener("mousedown", (event) => event.preventDefault());
  }

  get open() {
    return !this.list.hidden;
  }

  /** The "/token" before the caret, if any. */
  token() {
    const { text } = this;
    if (text.selectionStart !== text.selectionEnd) return null;
    return shortcutToken(text.value, text.selectionStart);
  }

  /** Synchronous once the library is loaded: the list always matches the text. */
  refresh() {
    const token = this.token();
    if (!token || token.start === this.dismissedAt) {
      if (!token) this.dismissedAt = null;
      this.hide();
      return;
    }
    const matches = this.host.library.match(token.query);
    if (matches === null) {
      // First "/" before the library arrived: load it, then look again.
      this.host.library.all().then(() => this.refresh(), () => {});
      return;
    }
    if (!matches.length) {
      this.hide();
      return;
    }
    this.range = token;
    this.show(matches);
  }

  /** @param {StandardResponse[]} items */
  show(items) {
    const previous = this.items[this.active];
    this.items = items;
    const keep = previous ? items.findIndex((r) => r.id === previous.id) : -1;
    this.active = keep >= 0 ? keep : 0;
    this.list.replaceChildren(
      ...items.map((response, index) =>
        el(
          "li",
          {
            id: `${this.list.id}-${index}`,
            role: "option",
            class: "suggestion",
            "aria-selected": "false",
            dataset: { responseId: String(response.id) },
            onclick: () => this.pick(index),
          },
          el("span", { class: "suggestion-shortcut", text: response.shortcut ? `/${response.shortcut}` : "" }),
          el("span", { class: "suggestion-name", text: response.name }),
          el("span", { class: "suggestion-text", text: response.notification_template_id ? gettext("Notification") : response.text }),
          response.attachments && response.attachments.length
            ? el("span", { class: "suggestion-files", title: gettext("Files sent after the text") }, icon("clip"), String(response.attachments.length))
            : null,
        ),
      ),
    );
    const wasOpen = this.open;
    this.list.hidden = false;
    this.highlight();
    if (!wasOpen) {
      this.host.announce(
        fmt(ngettext("%(count)s standard response: arrows to choose, Enter to insert, Escape to close", "%(count)s standard responses: arrows to choose, Enter to insert, Escape to close", items.length), { count: items.length }),
      );
    }
  }

  highlight() {
    [...this.list.children].forEach((node, index) => {
      const on = index === this.active;
      node.setAttribute("aria-selected", String(on));
      node.classList.toggle("suggestion--active", on);
      if (on) node.scrollIntoView({ block: "nearest" });
    });
    const active = this.list.children[this.active];
    if (active) this.text.setAttribute("aria-activedescendant", active.id);
  }

  hide() {
    if (this.list.hidden) return;
    this.list.hidden = true;
    this.list.replaceChildren();
    this.items = [];
    this.text.removeAttribute("aria-activedescendant");
  }

  /** @param {KeyboardEvent} event */
  onKey(event) {
    if (!this.open || event.isComposing) return;
    const count = this.items.length;
    let handled = true;
    if (event.key === "ArrowDown") {
      this.active = (this.active + 1) % count;
      this.highlight();
    } else if (event.key === "ArrowUp") {
      this.active = (this.active - 1 + count) % count;
      this.highlight();
    } else if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey) {
      this.pick(this.active);
    } else if (event.key === "Escape") {
      this.dismissedAt = this.range ? this.range.start : null;
      this.hide();
    } else {
      handled = false;
    }
    if (handled) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }

  /** @param {number} index */
  pick(index) {
    const response = this.items[index];
    const range = this.token() || this.range;
    this.hide();
    if (response) this.host.onPick(response, range);
  }
}
