// U3: the admin edits a template's buttons, list sections and rows, and its parameters'
// labels, with forms instead of raw JSON. Progressive enhancement: the JSON fields stay
// the stored shape and what the form posts; this writes them as the content manager types
// (and tells the live preview), and "Edit as JSON" shows them again. The server's checks
// on save stay the judge; each field here says early what it will refuse. Text only ever
// goes through textContent and value: nothing typed is interpreted as HTML. U4: every word
// it shows goes through gettext/ngettext (i18n.js), in the admin's language.

import { gettext, ngettext } from "./i18n.js";
import {
  DEFAULT_LIMITS,
  TEMPLATE_BUTTON_TYPES,
  buttonProblems,
  lengthProblem,
  parameterKeys,
  parseJson,
  rowIdFrom,
  rowProblems,
  sectionTitleProblem,
} from "./template-rules.js";

/** @import { Item, Limits } from "./template-rules.js" */

/** @type {Limits} */
const LIMITS = { ...DEFAULT_LIMITS, ...readLimits() };

/** @returns {Partial<Limits>} */
function readLimits() {
  const node = document.getElementById("template-limits");
  try {
    return node && node.textContent ? JSON.parse(node.textContent) : {};
  } catch {
    return {};
  }
}

/** @type {Record<string, string>} */
const BUTTON_TYPE_NAMES = { quick_reply: gettext("Quick reply"), url: gettext("Website link"), phone_number: gettext("Phone call") };

/** What each editor edits, within a sentence (German keeps its nouns' capitals). @type {Record<string, string>} */
const LOWER_TITLES = { buttons: gettext("buttons"), sections: gettext("list sections"), parameter_labels: gettext("parameter labels") };

/** The form's input for a model field. @param {string} name */
function input(name) {
  const node = document.getElementById(`id_${name}`);
  return node instanceof HTMLInputElement || node instanceof HTMLTextAreaElement || node instanceof HTMLSelectElement ? node : null;
}

/** @param {string} name */
const value = (name) => (input(name) || { value: "" }).value;

/**
 * An element with attributes and children (strings become text).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | boolean | null | undefined>} [attrs]
 * @param {(Node | string | null)[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
function h(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (key === "text") node.textContent = String(v);
    else node.setAttribute(key, v === true ? "" : v);
  }
  for (const child of children) if (child !== null) node.append(child);
  return node;
}

let uid = 0;

/**
 * A labelled text input with its own error line.
 * @param {string} label
 * @param {string} current
 * @param {(text: string) => void} onInput
 * @param {{ name?: string, hint?: string, placeholder?: string, wide?: boolean }} [options]
 */
function textField(label, current, onInput, { name = "", hint = "", placeholder = "", wide = false } = {}) {
  uid += 1;
  const id = `te-${uid}`;
  const box = h("input", { type: "text", id, class: wide ? "vTextField te-wide" : "vTextField", placeholder, "data-field": name, "aria-describedby": `${id}-error` });
  box.value = current;
  box.addEventListener("input", () => onInput(box.value));
  return h("div", { class: name ? `te-field te-field--${name}` : "te-field" }, [
    h("label", { for: id, text: label }),
    box,
    hint ? h("span", { class: "te-hint", text: hint }) : null,
    h("span", { class: "te-error", id: `${id}-error`, role: "status" }),
  ]);
}

/**
 * Show each field's problem beside it (``problems`` by ``data-field``) and mark it invalid.
 * @param {HTMLElement} row
 * @param {Record<string, string>} problems
 */
function showProblems(row, problems) {
  row.querySelectorAll(":scope > .te-field, :scope > .te-fields > .te-field").forEach((field) => {
    const box = field.querySelector("input, select");
    const error = field.querySelector(".te-error");
    if (!(box instanceof HTMLElement) || !(error instanceof HTMLElement)) return;
    const problem = problems[box.dataset.field || ""] || "";
    error.textContent = problem;
    if (problem) box.setAttribute("aria-invalid", "true");
    else box.removeAttribute("aria-invalid");
  });
}

/** @param {string} label @param {() => void} onClick @param {string} [cls] */
function button(label, onClick, cls = "") {
  const b = h("button", { type: "button", class: `button te-button ${cls}`.trim(), text: label });
  b.addEventListener("click", onClick);
  return b;
}

/**
 * Move ``list[index]`` by ``step`` (-1: up), if it can.
 * @param {unknown[]} list @param {number} index @param {number} step
 */
function move(list, index, step) {
  const to = index + step;
  if (to < 0 || to >= list.length) return;
  const [item] = list.splice(index, 1);
  list.splice(to, 0, item);
}

/**
 * One JSON field edited with a form: the field is hidden (kept, and posted), the form
 * writes it. Invalid JSON (a paste, or the server's refusal shown again) keeps the raw
 * field open until it parses.
 * @template T
 * @param {string} name the model field
 * @param {T} empty what an empty field holds
 * @param {string} title what the form edits ("Buttons")
 * @param {(state: T, write: () => void, render: () => void) => (Node | null)[]} build the form's contents
 */
function structured(name, empty, title, build) {
  const raw = input(name);
  if (!(raw instanceof HTMLTextAreaElement)) return null;
  const editor = h("div", { class: "te-editor", "data-editor": name, role: "group", "aria-label": title });
  const note = h("p", { class: "te-note", role: "status" });
  const toggle = h("button", { type: "button", class: "te-toggle", "aria-expanded": "false", "aria-controls": raw.id, text: gettext("Edit as JSON") });
  raw.after(h("div", { class: "te-wrap" }, [note, editor, toggle]));
  /** @type {T} */
  let state = empty;
  const write = () => {
    raw.value = JSON.stringify(state, null, 1);
    raw.dispatchEvent(new Event("input", { bubbles: true }));
  };
  const render = () => {
    // U5: a button that redraws the form (Remove, Move up) must not drop the keyboard's
    // focus on the page's start: it goes to the button of that name drawn again, else the
    // form's last button (Add…).
    const focused = document.activeElement;
    const had = focused instanceof HTMLButtonElement && editor.contains(focused) ? focused.textContent : null;
    editor.replaceChildren(...build(state, write, render).filter((n) => n !== null));
    if (had === null || editor.contains(document.activeElement)) return;
    const drawn = [...editor.querySelectorAll("button")];
    const again = drawn.find((b) => b.textContent === had) || drawn[drawn.length - 1];
    if (again) again.focus();
  };
  /** Show the form (true) or the raw JSON. @param {boolean} form */
  const show = (form) => {
    raw.hidden = form;
    editor.hidden = !form;
    toggle.setAttribute("aria-expanded", String(!form));
    toggle.textContent = form ? gettext("Edit as JSON") : gettext("Back to the form");
  };
  /** Read the field into the form; false (and the raw field shown) when it is no JSON of its shape. */
  const load = () => {
    const parsed = parseJson(raw.value, empty);
    if (parsed === null) {
      show(false);
      note.textContent = gettext("This is not valid JSON for %(what)s: correct it, or empty the field, to edit it with the form.", { what: LOWER_TITLES[name] || title.toLowerCase() });
      return false;
    }
    state = /** @type {T} */ (parsed);
    note.textContent = "";
    render();
    return true;
  };
  toggle.addEventListener("click", () => {
    if (raw.hidden) {
      show(false);
      raw.focus();
    } else if (load()) {
      show(true);
    }
  });
  if (load()) show(true);
  return { load: () => load() && !raw.hidden, render, save: write };

}

// --- buttons --------------------------------------------------------------------------------

const buttons = structured("buttons", /** @type {Item[]} */ ([]), gettext("Buttons"), (list, write, render) => {
  const kind = value("kind");
  if (kind === "list") {
    const note = h("p", { class: "te-hint", text: gettext("A list message has no buttons: its options are the list's rows below.") });
    if (!list.length) return [note];
    // typed for another kind: WhatsApp would refuse them with a list
    return [note, button(ngettext("Remove the button", "Remove the %(count)s buttons", list.length, { count: list.length }), () => { list.splice(0); write(); render(); }, "te-remove")];
  }
  const reply = kind === "reply_buttons";
  const rows = list.map((b, index) => {
    const row = h("div", { class: "te-item", "data-item": "button" });
    const check = () => showProblems(row, buttonProblems(b, kind, LIMITS));
    /** @param {string} key @returns {(text: string) => void} */
    const set = (key) => (text) => {
      b[key] = text;
      write();
      check();
    };
    const fields = h("div", { class: "te-fields" });
    const type = String(b.type || (reply ? "reply" : "quick_reply"));
    if (!reply && !TEMPLATE_BUTTON_TYPES.includes(type)) {
      // pulled from Meta (copy code, one-time code, flow…): kept as it is
      fields.append(h("span", { class: "te-fixed", text: b.text
        ? gettext("%(type)s button “%(text)s”: from Meta, kept as it is", { type, text: String(b.text) })
        : gettext("%(type)s button: from Meta, kept as it is", { type }) }));
    } else if (reply) {
      b.type = "reply";
      fields.append(
        textField(gettext("Text"), String(b.text || ""), set("text"), { name: "text", hint: gettext("Up to %(max)s characters", { max: LIMITS.button_title }) }),
        textField(gettext("Reply id"), String(b.id || ""), set("id"), { name: "id", hint: gettext("What the customer's tap answers (empty: the text)") }),
      );
    } else {
      uid += 1;
      const typeId = `te-${uid}`;
      const select = h("select", { id: typeId, "data-field": "type" }, TEMPLATE_BUTTON_TYPES.map((t) => {
        const option = h("option", { value: t, text: BUTTON_TYPE_NAMES[t] || t });
        option.selected = t === type;
        return option;
      }));
      select.addEventListener("change", () => {
        b.type = select.value;
        if (b.type !== "url") delete b.url;
        if (b.type !== "phone_number") delete b.phone_number;
        write();
        render();
      });
      b.type = type;
      fields.append(
        h("div", { class: "te-field" }, [h("label", { for: typeId, text: gettext("Type") }), select]),
        textField(gettext("Text"), String(b.text || ""), set("text"), { name: "text", hint: gettext("Up to %(max)s characters", { max: LIMITS.template_button_text }) }),
      );
      if (type === "url") {
        fields.append(textField(gettext("Web address"), String(b.url || ""), set("url"), { name: "url", wide: true, placeholder: "https://example.com/track/{{1}}", hint: gettext("Ending in {{1}}: the agent adds the rest") }));
      }
      if (type === "phone_number") {
        fields.append(textField(gettext("Phone number"), String(b.phone_number || ""), set("phone_number"), { name: "phone_number", placeholder: "+15550001234" }));
      }
    }
    row.append(
      h("span", { class: "te-number", text: gettext("Button %(number)s", { number: index + 1 }) }),
      fields,
      h("div", { class: "te-actions" }, [
        index > 0 ? button(gettext("Move up"), () => { move(list, index, -1); write(); render(); }) : null,
        button(gettext("Remove button %(number)s", { number: index + 1 }), () => { list.splice(index, 1); write(); render(); }, "te-remove"),
      ]),
    );
    check();
    return row;
  });
  const max = reply ? 3 : 10;
  return [
    ...rows,
    rows.length ? null : h("p", { class: "te-hint", text: gettext("No buttons.") }),
    list.length < max
      ? button(gettext("Add a button"), () => { list.push(reply ? { type: "reply", id: "", text: "" } : { type: "quick_reply", text: "" }); write(); render(); focusLast("button"); })
      : null,
  ];
});

/** Focus the first text field of the last item of a kind (just added). @param {string} item */
function focusLast(item) {
  const all = document.querySelectorAll(`[data-item="${item}"] input[type=text]`);
  const items = document.querySelectorAll(`[data-item="${item}"]`);
  const last = items[items.length - 1];
  const box = last ? last.querySelector("input[type=text]") : all[all.length - 1];
  if (box instanceof HTMLInputElement) box.focus();
}

// --- list sections and rows ---------------------------------------------------------------------

const sections = structured("sections", /** @type {Item[]} */ ([]), gettext("List sections"), (list, write, render) => {
  if (value("kind") !== "list") return [h("p", { class: "te-hint", text: gettext("Only a list message has sections (choose the kind “Interactive: list message”).") })];
  const ids = new Set();
  const blocks = list.map((section, index) => {
    const rows = Array.isArray(section.rows) ? /** @type {Item[]} */ (section.rows) : (section.rows = []);
    const head = h("div", { class: "te-item te-section-head", "data-item": "section" });
    const checkHead = () => showProblems(head, { title: sectionTitleProblem(section, list.length, LIMITS) });
    head.append(
      h("span", { class: "te-number", text: gettext("Section %(number)s", { number: index + 1 }) }),
      h("div", { class: "te-fields" }, [
        textField(gettext("Section title"), String(section.title || ""), (text) => { section.title = text; write(); checkHead(); },
          { name: "title", hint: list.length > 1
            ? gettext("Required with several sections; up to %(max)s characters", { max: LIMITS.section_title })
            : gettext("Optional with one section; up to %(max)s characters", { max: LIMITS.section_title }) }),
      ]),
      h("div", { class: "te-actions" }, [
        index > 0 ? button(gettext("Move up"), () => { move(list, index, -1); write(); render(); }) : null,
        button(gettext("Remove section %(number)s", { number: index + 1 }), () => { list.splice(index, 1); write(); render(); }, "te-remove"),
      ]),
    );
    checkHead();
    const rowNodes = rows.map((row, r) => {
      const node = h("div", { class: "te-item te-row", "data-item": "row" });
      const seen = new Set(ids);
      ids.add(String(row.id || ""));
      const check = () => showProblems(node, rowProblems(row, LIMITS, seen));
      /** @param {string} key @returns {(text: string) => void} */
      const set = (key) => (text) => {
        if (key === "title") {
          const auto = !row.id || row.id === rowIdFrom(String(row.title || ""), seen);
          row.title = text;
          if (auto) {
            row.id = text.trim() ? rowIdFrom(text, seen) : "";
            const idBox = node.querySelector('input[data-field="id"]');
            if (idBox instanceof HTMLInputElement) idBox.value = String(row.id);
          }
        } else if (key === "description" && !text) {
          delete row.description;
        } else {
          row[key] = text;
        }
        write();
        check();
      };
      node.append(
        h("span", { class: "te-number", text: gettext("Option %(number)s", { number: r + 1 }) }),
        h("div", { class: "te-fields" }, [
          textField(gettext("Option title"), String(row.title || ""), set("title"), { name: "title", hint: gettext("Up to %(max)s characters", { max: LIMITS.row_title }) }),
          textField(gettext("Description"), String(row.description || ""), set("description"), { name: "description", wide: true, hint: gettext("Optional; up to %(max)s characters", { max: LIMITS.row_description }) }),
          textField(gettext("Option id"), String(row.id || ""), set("id"), { name: "id", hint: gettext("What the customer's choice answers; from the title unless changed") }),
        ]),
        h("div", { class: "te-actions" }, [
          r > 0 ? button(gettext("Move up"), () => { move(rows, r, -1); write(); render(); }) : null,
          button(gettext("Remove option %(number)s", { number: r + 1 }), () => { rows.splice(r, 1); write(); render(); }, "te-remove"),
        ]),
      );
      check();
      return node;
    });
    return h("div", { class: "te-section", "data-section": String(index + 1) }, [
      head,
      ...rowNodes,
      button(gettext("Add an option to section %(number)s", { number: index + 1 }), () => { rows.push({ id: "", title: "" }); write(); render(); focusLast("row"); }),
    ]);
  });
  return [
    ...blocks,
    list.length < 10 ? button(gettext("Add a section"), () => { list.push({ title: "", rows: [{ id: "", title: "" }] }); write(); render(); }) : null,
  ];
});

// --- the parameters' labels -----------------------------------------------------------------

/** Labels typed this visit, by key: kept while a parameter is briefly gone from the text. */
/** @type {Record<string, string>} */
const typedLabels = {};
let shownKeys = "";

const labels = structured("parameter_labels", /** @type {Record<string, unknown>} */ ({}), gettext("Parameter labels"), (given, write) => {
  const keys = currentKeys();
  shownKeys = keys.map((k) => k.key).join(" ");
  for (const [key, text] of Object.entries(given)) if (typeof text === "string" && !(key in typedLabels)) typedLabels[key] = text;
  // only the parameters the text has now are written (the server refuses the others)
  for (const key of Object.keys(given)) if (!keys.some((k) => k.key === key)) delete given[key];
  if (!keys.length) return [h("p", { class: "te-hint", text: gettext("No parameters yet: write {{1}} (or {{first_name}}) in the header or body, then say here what each is.") })];
  return keys.map((k) => {
    const row = h("div", { class: "te-item", "data-item": "label" });
    const check = () => showProblems(row, { label: given[k.key] ? lengthProblem(given[k.key], LIMITS.label) : "" });
    const field = textField(`${k.part === "header" ? gettext("Header") : gettext("Body")} {{${k.slot}}}`, typedLabels[k.key] || "", (text) => {
      typedLabels[k.key] = text;
      if (text.trim()) given[k.key] = text;
      else delete given[k.key];
      write();
      check();
    }, { name: "label", placeholder: k.fallback, hint: gettext("The agent's field is labelled “%(label)s” without one", { label: typedLabels[k.key] || k.fallback }) });
    row.append(h("div", { class: "te-fields" }, [field]));
    check();
    return row;
  });
});

function currentKeys() {
  return parameterKeys({
    headerType: value("header_type"),
    headerText: value("header_text"),
    body: value("body"),
    named: value("parameter_format") === "NAMED",
  });
}

// The kind decides which editor applies; the text decides which parameters there are.
for (const name of ["kind"]) {
  const node = input(name);
  if (node) node.addEventListener("change", () => { buttons?.render(); sections?.render(); });
}
for (const name of ["header_type", "header_text", "body", "parameter_format"]) {
  const node = input(name);
  if (!node || !labels) continue;
  const again = () => {
    // a parameter came or went: its field too; labels of parameters gone are not written
    if (currentKeys().map((k) => k.key).join(" ") !== shownKeys && labels.load()) labels.save();
  };
  node.addEventListener("input", again);
  node.addEventListener("change", again);
}
