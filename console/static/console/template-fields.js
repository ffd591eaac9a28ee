// T2-T4: the Notification editor's parameter fields: the header's {{n}}, the body's {{n}}
// (or, G1, their {{names}}), and the suffix of each dynamic website link, in that order.

import { el } from "./dom.js";
import { buttonLabel, slotContext, slotLabel, withSuffix } from "./templates.js";
import { fmt, gettext } from "./i18n.js";

/** @import { Template, TemplateValues } from "./types.js" */

/**
 * One field per slot of the template, editing ``values`` in place.
 * @param {Template} template
 * @param {TemplateValues} values
 * @param {() => void} changed a value changed
 */
export function parameterFields(template, values, changed) {
  const slots = template.parameters || {};
  /**
   * @param {string} label
   * @param {string | null | undefined} hint
   * @param {() => string} get
   * @param {(value: string) => void} set
   * @param {string} id
   */
  const field = (label, hint, get, set, id) => {
    const input = el("textarea", {
      rows: 1,
      class: "param",
      id,
      "aria-describedby": hint ? `${id}-hint` : null,
      spellcheck: "true",
    });
    input.value = get();
    input.addEventListener("input", () => {
      set(input.value);
      changed();
    });
    return el(
      "div",
      { class: "param-row" },
      el("label", { for: id, text: label }),
      input,
      hint ? el("span", { class: "param-hint muted", id: `${id}-hint`, text: hint }) : null,
    );
  };
  // U3: each field labelled by what it is (the server's label); the sentence it lands in is the hint.
  /** @param {"header" | "body"} part @param {number} i */
  const hint = (part, i) => {
    const context = slotContext(slots, part, i);
    return context ? `“${context}”` : part === "header" ? template.header_text : null;
  };
  return [
    ...(slots.header || []).map((n, i) =>
      field(slotLabel(slots, "header", i), hint("header", i),
        () => values.header[i], (v) => { values.header[i] = v; }, `template-header-${n}`)),
    ...(slots.body || []).map((n, i) =>
      field(slotLabel(slots, "body", i), hint("body", i),
        () => values.body[i], (v) => { values.body[i] = v; }, `template-body-${n}`)),
    ...(slots.buttons || []).map((slot) => {
      const key = String(slot.index);
      return field(buttonLabel(slot), BUTTON_HINTS[slot.kind || ""] || fmt(gettext("Appended to %(with_suffix)s"), { with_suffix: withSuffix(slot.url, "…") }),
        () => values.buttons[key], (v) => { values.buttons[key] = v; }, `template-button-${key}`);
    }),
    ...placeFields(values, field),
  ];
}

/** @type {Record<string, string>} */
const BUTTON_HINTS = {
  copy_code: gettext("Copied by the customer's tap: up to 15 characters, no spaces"),
  otp: gettext("The code the button copies or fills in: up to 15 characters, no spaces"),
  flow: gettext("Passed to the flow when the customer opens it"),
};

/**
 * G1: a LOCATION header's place: latitude and longitude, a name and an address if wanted.
 * @param {TemplateValues} values
 * @param {(label: string, hint: string | null, get: () => string, set: (v: string) => void, id: string) => HTMLElement} field
 */
function placeFields(values, field) {
  const place = values.location;
  if (!place) return [];
  /** @type {[keyof typeof place, string, string | null][]} */
  const parts = [
    ["latitude", gettext("Latitude"), gettext("The header's place: -90 to 90, e.g. 52.5200")],
    ["longitude", gettext("Longitude"), gettext("-180 to 180, e.g. 13.4050")],
    ["name", gettext("Place name"), gettext("Optional")],
    ["address", gettext("Address"), gettext("Optional")],
  ];
  return parts.map(([key, label, hint]) =>
    field(label, hint, () => place[key], (v) => { place[key] = v; }, `template-location-${key}`));
}
