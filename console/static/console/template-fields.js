// T2-T4: the Notification editor's parameter fields: the header's {{n}}, the body's {{n}},
// and the suffix of each dynamic website link, in that order.

import { el } from "./dom.js";
import { withSuffix } from "./templates.js";

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
  return [
    ...(slots.header || []).map((n, i) =>
      field(`Header {{${n}}}`, template.header_text, () => values.header[i], (v) => { values.header[i] = v; }, `template-header-${n}`)),
    ...(slots.body || []).map((n, i) =>
      field(`Body {{${n}}}`, null, () => values.body[i], (v) => { values.body[i] = v; }, `template-body-${n}`)),
    ...(slots.buttons || []).map((slot) => {
      const key = String(slot.index);
      return field(`Link “${slot.text}”`, `Appended to ${withSuffix(slot.url, "…")}`, () => values.buttons[key],
        (v) => { values.buttons[key] = v; }, `template-button-${key}`);
    }),
  ];
}
