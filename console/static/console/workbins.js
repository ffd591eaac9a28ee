// R7 workbins: the agent's personal and group workbins in the left column, with the
// conversations waiting there; "Move to workbin" from a tab (it leaves the console, the
// WhatsApp session stays open) and "Open" from a workbin (it comes back as a tab).
// The list is refreshed on the workbin.changed frame and with every resync.

import { describeError } from "./composer.js";
import { debounce, el, fullTimeOf, initialOf, timeOf, toDate } from "./dom.js";

const $ = (id) => document.getElementById(id);
const REASONS = { moved: "moved", logout: "at sign-out" };

export class Workbins {
  constructor(app) {
    this.app = app;
    this.api = app.api;
    this.workbins = [];
    this.loaded = false;
    this.loading = null;
    this.again = false;
    this.moveTab = null;
    this.refreshSoon = debounce(() => this.refresh(), 200);
    this.bind();
  }

  bind() {
    $("workbins-refresh").addEventListener("click", () => this.refresh());
    const dialog = $("workbin-dialog");
    $("workbin-cancel").addEventListener("click", () => dialog.close());
    $("workbin-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.move();
    });
    dialog.addEventListener("close", () => {
      const tab = this.moveTab;
      this.moveTab = null;
      if (tab && this.app.tabs.has(tab.id)) tab.refs.park.focus();
    });
  }

  // --- the list ---------------------------------------------------------------------------

  refresh() {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      try {
        const data = await this.api.get("workbins/");
        this.render(data.workbins || []);
        this.error(null);
      } catch (error) {
        if (!error.isNetwork) this.error(`Could not load the workbins: ${describeError(error)}`);
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

  render(workbins) {
    this.workbins = workbins;
    this.loaded = true;
    const total = workbins.reduce((sum, w) => sum + (w.items || []).length, 0);
    $("workbin-count").textContent = String(total);
    $("workbin-list").replaceChildren(
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
            : el("p", { class: "workbin-empty muted", text: "Empty" }),
        );
      }),
    );
  }

  item(workbin, item) {
    const contact = item.contact || {};
    const name = contact.display_name || "Customer";
    const placed = toDate(item.placed_at);
    const how = [REASONS[item.reason] || item.reason, item.placed_by ? `by ${item.placed_by}` : ""].filter(Boolean).join(" ");
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
      el("button", {
        type: "button",
        class: "btn btn--small",
        text: "Open",
        "aria-label": `Open ${name} from ${workbin.name}`,
        onclick: (event) => this.open(item, event.currentTarget),
      }),
    );
  }

  error(text) {
    const box = $("workbins-error");
    box.hidden = !text;
    box.textContent = text || "";
  }

  /** "Open": the interaction leaves the workbin and comes back as a tab. */
  async open(item, button) {
    const name = (item.contact && item.contact.display_name) || "the conversation";
    button.disabled = true;
    this.error(null);
    try {
      const summary = await this.api.post(`interactions/${item.interaction_id}/unpark/`, {});
      this.app.openTab(summary, { activate: true, focus: true });
      this.app.resyncSoon();
      this.app.announce(`${name} is open again`);
    } catch (error) {
      button.disabled = false;
      this.error(`Could not open ${name}: ${describeError(error)}`);
      $("workbins-error").dataset.code = error.code || "";
    } finally {
      this.refreshSoon();
    }
  }

  // --- Move to workbin ---------------------------------------------------------------------

  async openMove(tab) {
    const dialog = $("workbin-dialog");
    const select = $("workbin-select");
    this.moveTab = tab;
    $("workbin-name").textContent = tab.contact.display_name || "this conversation";
    $("workbin-error").hidden = true;
    if (!this.loaded) await this.refresh();
    select.replaceChildren(
      ...this.workbins.map((w) =>
        el("option", { value: String(w.id), text: `${w.name} (${w.kind === "group" ? "group" : "personal"})`, selected: w.mine }),
      ),
    );
    if (!this.workbins.length) select.append(el("option", { value: "", text: "My workbin (personal)" }));
    dialog.showModal();
    select.focus();
  }

  async move() {
    const tab = this.moveTab;
    if (!tab) return;
    const select = $("workbin-select");
    const submit = $("workbin-submit");
    const problem = $("workbin-error");
    const chosen = this.workbins.find((w) => String(w.id) === select.value);
    submit.disabled = true;
    problem.hidden = true;
    try {
      await this.api.post(`interactions/${tab.id}/park/`, chosen ? { workbin_id: chosen.id } : {});
      $("workbin-dialog").close();
      const who = tab.contact.display_name || "The conversation";
      const said = `${who} is in ${chosen ? chosen.name : "your workbin"}: open it from there.`;
      // The interaction.closed frame may have closed the tab already.
      if (this.app.tabs.has(tab.id)) this.app.closeTab(tab.id, said);
      else this.app.toast(said);
      this.app.resyncSoon();
      this.refresh();
    } catch (error) {
      problem.hidden = false;
      problem.textContent = describeError(error);
    } finally {
      submit.disabled = false;
    }
  }
}
