// R7 workbins: the agent's personal and group workbins in the left column, with the
// conversations waiting there; "Move to workbin" from a tab (it leaves the console, the
// WhatsApp session stays open) and "Open" from a workbin (it comes back as a tab).
// The list is refreshed on the workbin.changed frame and with every resync.

import { isNetworkError, errorCode } from "./api.js";
import { FormDialog } from "./dialog.js";
import { byId, el } from "./dom.js";
import { describeError } from "./errors.js";
import { debounce, fullTimeOf, initialOf, timeOf, toDate } from "./format.js";
import { fmt, gettext } from "./i18n.js";

/** @import { ConsoleApp } from "./console.js" */
/** @import { InteractionTab } from "./tab.js" */
/** @import { Contact, InteractionSummary, Workbin, WorkbinItem } from "./types.js" */

/** @type {Record<string, string>} */
const REASONS = { moved: "moved", logout: gettext("at sign-out") };

export class Workbins {
  /** @param {ConsoleApp} app */
  constructor(app) {
    this.app = app;
    this.api = app.api;
    /** @type {Workbin[]} */
    this.workbins = [];
    this.loaded = false;
    /** @type {Promise<void> | null} */
    this.loading = null;
    this.again = false;
    this.refreshSoon = debounce(() => this.refresh(), 200);
    this.mover = new WorkbinMoveDialog(this);
    byId("workbins-refresh").addEventListener("click", () => this.refresh());
  }

  // --- the list ---------------------------------------------------------------------------

  /** @returns {Promise<void>} */
  refresh() {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      try {
        /** @type {{ workbins?: Workbin[] }} */
        const data = await this.api.get("workbins/");
        this.render(data.workbins || []);
        this.error(null);
      } catch (error) {
        if (!isNetworkError(error)) this.error(fmt(gettext("Could not load the workbins: %(error)s"), { error: describeError(error) }));
      } finally {
        this.loading = null;
        if (this.again) {
          this.again = false;
          this.refresh();
        }
      }
    })();
    return this.loading;
  }

  /** @param {Workbin[]} workbins */
  render(workbins) {
    this.workbins = workbins;
    this.loaded = true;
    const total = workbins.reduce((sum, w) => sum + (w.items || []).length, 0);
    byId("workbin-count").textContent = String(total);
    // U5: a refresh while an item's Open has the focus: the focus stays on it (it is redrawn).
    const list = byId("workbin-list");
    const had = document.activeElement;
    const focusedItem = had instanceof HTMLElement && list.contains(had) ? had.closest(".workbin-item") : null;
    const focusedId = focusedItem instanceof HTMLElement ? focusedItem.dataset.interactionId : undefined;
    list.replaceChildren(
      ...workbins.map((workbin) => {
        const titleId = `workbin-${workbin.id}-title`;
        const items = workbin.items || [];
        return el(
          "section",
          { class: "workbin", "aria-labelledby": titleId, dataset: { workbinId: String(workbin.id), kind: workbin.kind } },
          el(
            "h3",
            { class: "workbin-name", id: titleId },
            el("span", { text: workbin.name }),
            el("span", { class: "workbin-kind", text: workbin.kind === "group" ? "group" : "personal" }),
            el("span", { class: "count-badge", text: String(items.length) }),
          ),
          items.length
            ? el("ul", { class: "workbin-items" }, items.map((item) => this.item(workbin, item)))
            : el("p", { class: "workbin-empty muted", text: gettext("Empty") }),
        );
      }),
    );
    const again = focusedId ? list.querySelector(`.workbin-item[data-interaction-id="${focusedId}"] button`) : null;
    if (again instanceof HTMLButtonElement) again.focus();
  }

  /** @param {Workbin} workbin @param {WorkbinItem} item */
  item(workbin, item) {
    /** @type {Partial<Contact>} */
    const contact = item.contact || {};
    const name = contact.display_name || gettext("Customer");
    const placed = toDate(item.placed_at);
    const how = [(item.reason && REASONS[item.reason]) || item.reason, item.placed_by ? `by ${item.placed_by}` : ""].filter(Boolean).join(" ");
    return el(
      "li",
      { class: "workbin-item", dataset: { interactionId: String(item.interaction_id) } },
      el("span", { class: "avatar avatar--small", "aria-hidden": "true", text: initialOf(name) }),
      el(
        "span",
        { class: "workbin-main" },
        el("span", { class: "workbin-contact", text: name }),
        el(
          "span",
          { class: "workbin-sub muted" },
          contact.wa_id ? `+${contact.wa_id} · ` : "",
          el("time", { datetime: item.placed_at || "", title: `Placed ${fullTimeOf(placed)}`, text: `${how} ${timeOf(placed)}` }),
        ),
      ),
      this.openButton(item, `Open ${name} from ${workbin.name}`),
    );
  }

  /** @param {WorkbinItem} item @param {string} label */
  openButton(item, label) {
    const button = el("button", { type: "button", class: "btn btn--small", text: gettext("Open"), "aria-label": label });
    button.addEventListener("click", () => this.open(item, button));
    return button;
  }

  /** @param {string | null} text */
  error(text) {
    const box = byId("workbins-error");
    box.hidden = !text;
    box.textContent = text || "";
  }

  /** "Open": the interaction leaves the workbin and comes back as a tab. @param {WorkbinItem} item @param {HTMLButtonElement} button */
  async open(item, button) {
    const name = (item.contact && item.contact.display_name) || gettext("the conversation");
    button.disabled = true;
    this.error(null);
    try {
      /** @type {InteractionSummary} */
      const summary = await this.api.post(`interactions/${item.interaction_id}/unpark/`, {});
      this.app.openTab(summary, { activate: true, focus: true });
      this.app.resyncSoon();
      this.app.announce(fmt(gettext("%(name)s is open again"), { name }));
    } catch (error) {
      button.disabled = false;
      this.error(fmt(gettext("Could not open %(name)s: %(error)s"), { name, error: describeError(error) }));
      byId("workbins-error").dataset.code = errorCode(error);
    } finally {
      this.refreshSoon();
    }
  }
}

// --- Move to workbin ---------------------------------------------------------------------

export class WorkbinMoveDialog extends FormDialog {
  /** @param {Workbins} workbins */
  constructor(workbins) {
    super({ dialog: "workbin-dialog", form: "workbin-form", submit: "workbin-submit", cancel: "workbin-cancel", problem: "workbin-error" });
    this.workbins = workbins;
    this.app = workbins.app;
    this.select = byId("workbin-select", HTMLSelectElement);
  }

  /** @param {InteractionTab} tab */
  async open(tab) {
    const { workbins } = this;
    byId("workbin-name").textContent = tab.contact.display_name || gettext("this conversation");
    if (!workbins.loaded) await workbins.refresh();
    this.select.replaceChildren(
      ...workbins.workbins.map((w) =>
        el("option", { value: String(w.id), text: `${w.name} (${w.kind === "group" ? "group" : "personal"})`, selected: w.mine }),
      ),
    );
    if (!workbins.workbins.length) this.select.append(el("option", { value: "", text: gettext("My workbin (personal)") }));
    const button = tab.refs.park;
    this.show({ tab, returnFocus: () => (this.app.tabs.has(tab.id) ? button : null) });
    this.select.focus();
  }

  /** @override */
  submit() {
    const tab = this.tab;
    if (!tab) return;
    const chosen = this.workbins.workbins.find((w) => String(w.id) === this.select.value);
    this.run(async () => {
      await this.app.api.post(`interactions/${tab.id}/park/`, chosen ? { workbin_id: chosen.id } : {});
      this.close();
      const who = tab.contact.display_name || gettext("The conversation");
      const said = fmt(gettext("%(who)s is in %(chosen)s: open it from there."), { who, chosen: chosen ? chosen.name : gettext("your workbin") });
      // The interaction.closed frame may have closed the tab already.
      if (this.app.tabs.has(tab.id)) this.app.closeTab(tab.id, said);
      else this.app.toast(said);
      this.app.resyncSoon();
      this.workbins.refresh();
    });
  }
}
