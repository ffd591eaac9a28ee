// Live preview of a message template in the admin (T5). Text only ever goes through
// textContent: nothing typed here is interpreted as HTML.
(function () {
  "use strict";
  const root = document.getElementById("template-preview");
  if (!root) return;
  /** The admin form's field for a model field, if the form has it. @param {string} name */
  const field = (name) => {
    const node = document.getElementById(`id_${name}`);
    return node instanceof HTMLInputElement || node instanceof HTMLTextAreaElement || node instanceof HTMLSelectElement ? node : null;
  };
  /** @param {string} name */
  const value = (name) => {
    const node = field(name);
    return node ? node.value : "";
  };
  /** A part of the preview (the template's markup has each). @param {string} name */
  const part = (name) => {
    const node = root.querySelector(`[data-part="${name}"]`);
    if (!(node instanceof HTMLElement)) throw new Error(`the preview has no ${name} part`);
    return node;
  };
  // {{1}} or (named parameters, G1) {{first_name}}: a sample in its place
  /** @param {string} text */
  const sample = (text) => (text || "").replace(/\{\{\s*(\w+)\s*\}\}/g, (_, n) => `[${/^\d+$/.test(n) ? `value ${n}` : n.replace(/_/g, " ")}]`);
  const limits = { header: 60, body: 1024, footer: 60 };

  /**
   * The JSON a field holds ([] when empty, null when it is no JSON).
   * @param {string} name
   * @returns {{ type?: string, text?: string }[] | null}
   */
  function parseJson(name) {
    const el = field(name);
    if (!el || !el.value.trim()) return [];
    try { return JSON.parse(el.value); } catch { return null; }
  }

  function render() {
    const kind = field("kind") ? value("kind") : "notification";
    const headerType = field("header_type") ? value("header_type") : "none";
    const header = part("header");
    header.className = "tp-header";
    header.textContent = "";
    if (headerType === "text") header.textContent = sample(value("header_text"));
    else if (["image", "video", "document", "location"].includes(headerType)) {
      header.classList.add("tp-media");
      header.textContent = headerType;
    }
    const body = value("body");
    part("body").textContent = sample(body);
    part("footer").textContent = value("footer");
    const counts = part("counts");
    counts.textContent = "";
    const max = kind === "list" ? 4096 : limits.body;
    const span = document.createElement("span");
    span.textContent = `${body.length} / ${max}`;
    if (body.length > max) span.className = "tp-over";
    counts.appendChild(span);
    const buttons = part("buttons");
    buttons.textContent = "";
    const list = kind === "list" ? null : parseJson("buttons");
    if (list === null && kind !== "list") {
      const error = document.createElement("div");
      error.className = "tp-error";
      error.textContent = "Buttons: not valid JSON";
      buttons.appendChild(error);
    } else if (kind === "list") {
      const label = document.createElement("span");
      label.textContent = `☰ ${value("list_button") || "Options"}`;
      buttons.appendChild(label);
    } else {
      for (const b of list || []) {
        const item = document.createElement("span");
        const icon = b.type === "url" ? "↗ " : b.type === "phone_number" ? "✆ " : "";
        item.textContent = icon + (b.text || "");
        buttons.appendChild(item);
      }
    }
  }

  document.querySelectorAll("input, textarea, select").forEach((el) => el.addEventListener("input", render));
  document.querySelectorAll("select").forEach((el) => el.addEventListener("change", render));
  render();
})();
