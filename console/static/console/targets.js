// R4 transfer, R5 conference, R6 consultation: one dialog for the three, as the source
// product has it ("click transfer or conference, and select the type of target; click the
// magnifying glass to search by name"): the type (agent, agent group, skill, queue; a
// conference: agent, and agent group and skill when the server allows them, R5b — routing
// then chooses the agent; a consultation: agent), a search, the targets (an agent who
// cannot take the conversation is shown so and cannot be chosen), then Transfer / Invite /
// Consult. Refusals (the target became unavailable, transfers or conferences not
// configured) are shown in the dialog.

import { errorCode } from "./api.js";
import { FormDialog } from "./dialog.js";
import { byId, el } from "./dom.js";
import { describeError } from "./errors.js";
import { debounce, initialOf } from "./format.js";
import { availability, targetKinds, viaText } from "./routing.js";
import { fmt, gettext } from "./i18n.js";

/** @import { ConsoleApp } from "./console.js" */
/** @import { InteractionTab } from "./tab.js" */
/** @import { ConferenceInvited, ConsultationMessage, Target, TargetAgent, Targets } from "./types.js" */
/** @import { TargetMode } from "./routing.js" */

/** @typedef {"agents" | "groups" | "skills" | "queues"} TargetKind */

// none: a search found nothing; empty: there is nothing of the kind at all.
/** @type {Record<TargetKind, { label: string, field: string, none: string, empty: string }>} */
const KINDS = {
  agents: { label: gettext("Agents"), field: "agent_id", none: gettext("No agent matches"), empty: gettext("No other agents are set up yet.") },
  groups: { label: gettext("Agent groups"), field: "group_id", none: gettext("No agent group matches"), empty: gettext("No agent groups are defined yet.") },
  skills: { label: gettext("Skills"), field: "skill_id", none: gettext("No skill matches"), empty: gettext("No skills are defined yet.") },
  queues: { label: gettext("Queues"), field: "queue_id", none: gettext("No queue matches"), empty: gettext("No queues are defined yet.") },
};

/** @type {Record<TargetMode, { title: (who: string) => string, subtitle: string, submit: string }>} */
const MODES = {
  transfer: {
    title: (who) => `Transfer ${who}`,
    subtitle:
      gettext("Instant transfer: the conversation leaves your console at once. An agent gets it as an offer; an agent group, a skill or a queue gets it through routing."),
    submit: gettext("Transfer"),
  },
  conference: {
    title: (who) => fmt(gettext("Invite an agent to the conversation with %(who)s"), { who }),
    subtitle: gettext("Conference: when the agent accepts, you both see the conversation and write to the customer. Either of you can leave."),
    submit: gettext("Invite"),
  },
  consult: {
    title: (who) => fmt(gettext("Consult an agent about %(who)s"), { who }),
    subtitle:
      gettext("Consultation: an internal chat with another agent, who can read the conversation but not write to the customer. The customer never sees it."),
    submit: gettext("Consult"),
  },
};

/** @param {string} value @returns {value is TargetKind} */
function isKind(value) {
  return Object.hasOwn(KINDS, value);
}

export class TargetDialog extends FormDialog {
  /** @param {ConsoleApp} app */
  constructor(app) {
    super({ dialog: "target-dialog", form: "target-form", submit: "target-submit", cancel: "target-cancel", problem: "target-error", status: "target-status" });
    this.app = app;
    this.api = app.api;
    this.search = byId("target-search", HTMLInputElement);
    this.message = byId("target-message", HTMLTextAreaElement);
    this.resultsList = byId("target-results");
    /** @type {TargetMode | null} */
    this.mode = null;
    /** @type {TargetKind} */
    this.kind = "agents";
    /** @type {Targets | null} */
    this.results = null;
    /** @type {{ kind: TargetKind, id: number } | null} */
    this.chosen = null;
    /** Kinds an unfiltered answer had none of. @type {Set<TargetKind>} */
    this.undefinedKinds = new Set();
    this.seq = 0;
    this.searchSoon = debounce(() => this.load(), 250);
    this.bind();
  }

  bind() {
    this.search.addEventListener("input", () => this.searchSoon());
    // Enter in the search searches (it never submits the transfer).
    this.search.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        this.searchSoon.cancel();
        this.load();
      }
    });
    byId("target-search-go").addEventListener("click", () => {
      this.searchSoon.cancel();
      this.load();
    });
    for (const radio of this.kindRadios()) {
      radio.addEventListener("change", () => {
        if (!radio.checked || !isKind(radio.value) || !this.offeredKinds().includes(radio.value)) return;
        this.kind = radio.value;
        this.render();
      });
    }
    this.resultsList.addEventListener("change", (event) => {
      const input = event.target;
      if (!(input instanceof HTMLInputElement) || input.name !== "target") return;
      this.chosen = { kind: this.kind, id: Number(input.value) };
      this.problem(null);
      this.updateSubmit();
    });
    this.message.addEventListener("input", () => this.updateSubmit());
  }

  kindRadios() {
    return [...(this.form ? this.form.querySelectorAll("input[name=kind]") : [])].filter(
      (node) => node instanceof HTMLInputElement,
    );
  }

  /** The types of target offered now (the server's answer says which a conference may use). */
  offeredKinds() {
    return targetKinds(this.mode, this.results ? this.results.conference_kinds : undefined);
  }

  /** Show the types of target offered (none when only agents); back to agents if the type shown is not. */
  showKinds() {
    const offered = this.offeredKinds();
    byId("target-kinds").hidden = offered.length < 2;
    for (const radio of this.kindRadios()) {
      const label = radio.closest("label");
      if (label) label.hidden = !offered.includes(radio.value);
    }
    if (!offered.includes(this.kind)) {
      this.kind = "agents";
      for (const radio of this.kindRadios()) radio.checked = radio.value === "agents";
    }
    byId("target-search-label").textContent = offered.length > 1 ? gettext("Search by name") : gettext("Search agents by name");
  }

  /** Closed: a search on its way is not shown. @override */
  closed() {
    this.seq += 1;
    this.searchSoon.cancel();
    this.mode = null;
  }

  /**
   * @param {InteractionTab} tab
   * @param {TargetMode} mode "transfer" (R4), "conference" (R5) or "consult" (R6)
   */
  open(tab, mode) {
    if (this.isOpen) this.close();
    const spec = MODES[mode];
    this.mode = mode;
    this.kind = "agents";
    this.results = null;
    this.chosen = null;
    this.dialog.dataset.mode = mode;
    byId("target-title").textContent = spec.title(tab.contact.display_name || gettext("the customer"));
    byId("target-subtitle").textContent = spec.subtitle;
    for (const radio of this.kindRadios()) radio.checked = radio.value === "agents";
    this.showKinds();
    byId("target-message-row").hidden = mode !== "consult";
    this.message.value = "";
    this.search.value = "";
    this.resultsList.replaceChildren();
    this.status("");
    const button = tab.refs[mode];
    this.show({ tab, returnFocus: () => (this.app.tabs.has(tab.id) ? button : null) });
    this.search.focus();
    this.load();
  }

  async load() {
    const seq = ++this.seq;
    const query = this.search.value.trim();
    this.status(query ? gettext("Searching…") : gettext("Loading…"));
    try {
      /** @type {Targets} */
      const data = await this.api.get(`transfer-targets/?search=${encodeURIComponent(query)}`);
      if (seq !== this.seq) return;
      this.results = data;
      if (!query) {
        for (const kind of /** @type {TargetKind[]} */ (Object.keys(KINDS))) {
          if ((data[kind] || []).length) this.undefinedKinds.delete(kind);
          else this.undefinedKinds.add(kind);
        }
      }
      this.app.rememberAgents(data.agents || []);
      this.showKinds();
      this.render();
    } catch (error) {
      if (seq !== this.seq) return;
      this.results = null;
      this.resultsList.replaceChildren();
      this.status(fmt(gettext("Could not search: %(error)s"), { error: describeError(error) }), true);
      this.updateSubmit();
    }
  }

  render() {
    const kind = KINDS[this.kind];
    const query = this.search.value.trim();
    byId("target-results-legend").textContent = kind.label;
    const items = this.listed(this.kind);
    // U5: a search answered while a target has the focus: the focus stays on it (or the search).
    const had = document.activeElement;
    const focusedId = had instanceof HTMLElement && this.resultsList.contains(had) ? had.id : null;
    this.resultsList.replaceChildren(...items.map((target) => this.item(target)));
    if (focusedId) {
      const again = document.getElementById(focusedId);
      (again instanceof HTMLInputElement && !again.disabled ? again : this.search).focus();
    }
    if (!this.results) this.status("");
    else if (!items.length && (!query || this.undefinedKinds.has(this.kind))) this.status(kind.empty);
    else if (!items.length) this.status(`${kind.none} “${query}”.`);
    else this.status(`${items.length} found`);
    this.updateSubmit();
  }

  /** The targets of a kind in the last answer. @param {TargetKind} kind @returns {(Target | TargetAgent)[]} */
  listed(kind) {
    return (this.results && this.results[kind]) || [];
  }

  /** @param {Target | TargetAgent} target */
  item(target) {
    const agent = this.kind === "agents";
    const state = agent ? availability(target, this.mode) : { ok: true, level: "", text: "" };
    const id = `target-${this.kind}-${target.id}`;
    const input = el("input", {
      type: "radio",
      name: "target",
      id,
      value: String(target.id),
      disabled: !state.ok,
      "aria-describedby": state.text ? `${id}-state` : null,
    });
    input.checked = Boolean(state.ok && this.chosen && this.chosen.kind === this.kind && this.chosen.id === target.id);
    return el(
      "li",
      {
        class: `target${state.ok ? "" : " target--unavailable"}`,
        dataset: { targetId: String(target.id), kind: this.kind, available: String(state.ok) },
      },
      el(
        "label",
        { for: id, class: "target-label" },
        input,
        el("span", { class: "avatar avatar--small", "aria-hidden": "true", text: initialOf(target.name) }),
        el(
          "span",
          { class: "target-main" },
          el("span", { class: "target-name", text: target.name }),
          agent && target.username && target.username !== target.name
            ? el("span", { class: "target-sub muted", text: `@${target.username}` })
            : null,
        ),
      ),
      state.text ? el("span", { class: `target-state target-state--${state.level}`, id: `${id}-state`, text: state.text }) : null,
    );
  }

  /** The chosen target, if it is still listed and can be chosen. */
  selected() {
    // Only a target of the type shown (one chosen under another type is not sent).
    const chosen = this.chosen;
    if (!chosen || !this.results || chosen.kind !== this.kind) return null;
    const target = this.listed(chosen.kind).find((t) => t.id === chosen.id);
    if (!target) return null;
    if (chosen.kind === "agents" && !availability(target, this.mode).ok) return null;
    return target;
  }

  /** @override */
  canSubmit() {
    const needsText = this.mode === "consult" && !this.message.value.trim();
    return Boolean(this.selected()) && !needsText;
  }

  /** @override */
  updateSubmit() {
    const submit = (this.mode ? MODES[this.mode] : MODES.transfer).submit;
    this.labels = { idle: submit, busy: `${submit}…` };
    super.updateSubmit();
  }

  /** @override */
  submit() {
    const { tab, mode, chosen } = this;
    const target = this.selected();
    if (!tab || !mode || !target || !chosen) return;
    const app = this.app;
    const who = tab.contact.display_name || gettext("The conversation");
    this.run(
      async () => {
        if (mode === "transfer") {
          await this.api.post(`interactions/${tab.id}/transfer/`, { [KINDS[chosen.kind].field]: target.id });
          this.close();
          const said = fmt(gettext("%(who)s was transferred to %(name)s."), { who, name: target.name });
          // The interaction.closed frame may have closed the tab already.
          if (app.tabs.has(tab.id)) app.closeTab(tab.id, said);
          else app.toast(said);
          app.announce(said);
          app.resyncSoon();
        } else if (mode === "conference") {
          /** @type {ConferenceInvited} */
          const invited = await this.api.post(`interactions/${tab.id}/conference/`, { [KINDS[chosen.kind].field]: target.id });
          this.close();
          const invitee = invited.via ? `${invited.agent_name} (${viaText(invited.via)})` : invited.agent_name || target.name;
          app.toast(fmt(gettext("%(invitee)s is invited: the conversation opens in their console when they accept."), { invitee }));
          tab.refreshParticipants();
        } else {
          const body = this.message.value.trim();
          /** @type {ConsultationMessage} */
          const message = await this.api.post(`interactions/${tab.id}/consultation/`, { agent_id: target.id, body });
          this.close();
          tab.consultation.started(target, message);
        }
      },
      {
        // Who can take it now (the agent went Not Ready or filled up meanwhile).
        onError: (error) => {
          if (errorCode(error) === "target_unavailable") this.load();
        },
      },
    );
  }
}
