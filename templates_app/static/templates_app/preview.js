// Live preview of a message template in the admin (T5). Text only ever goes through
// textContent: nothing typed here is interpreted as HTML.
(function () {
  "use strict";
  const root = document.getElementById("template-preview");
  if (!root) return;
  const field = (name) => document.getElementById("id_" + name);
  const part = (name) => root.querySelector('[data-part="' + name + '"]');
  const sample = (text) => (text || "").replace(/\{\{\s*(\d+)\s*\}\}/g, (_, n) => "[value " + n + "]");
  const limits = { header: 60, body: 1024, footer: 60 };

  function parseJson(name) {
    const el = field(name);
    if (!el || !el.value.trim()) return [];
    try { return JSON.parse(el.value); } catch (e) { return null; }
  }

  function render() {
    const kind = field("kind") ? field("kind").value : "notification";
    const headerType = field("header_type") ? field("header_type").value : "none";
    const header = part("header");
    header.className = "tp-header";
    header.textContent = "";
    if (headerType === "text") header.textContent = sample(field("header_text").value);
    else if (["image", "video", "document", "location"].includes(headerType)) {
      header.classList.add("tp-media");
      header.textContent = headerType;
    }
    const body = field("body") ? field("body").value : "";
    part("body").textContent = sample(body);
    part("footer").textContent = field("footer") ? field("footer").value : "";
    const counts = part("counts");
    counts.textContent = "";
    const max = kind === "list" ? 4096 : limits.body;
    const span = document.createElement("span");
    span.textContent = body.length + " / " + max;
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
      label.textContent = "☰ " + (field("list_button").value || "Options");
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
