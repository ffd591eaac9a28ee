// DOM helpers for the console. Every piece of data reaches the page through textContent,
// a checked URL attribute or a CSSOM property: never innerHTML, so nothing a customer (or
// anyone) writes can become markup or script.

const SAFE_PROTOCOLS = new Set(["http:", "https:"]);
// A URL in running text; trailing punctuation is left out of the link.
const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"']+/gi;
const TRAILING = /[.,;:!?'")\]}]+$/;

/** Create an element: props set attributes (text → textContent, on<event> → listener). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** The absolute URL if it is http(s) (relative ones resolve against this page), else null. */
export function safeUrl(value) {
  if (typeof value !== "string" || !value.trim()) return null;
  try {
    const url = new URL(value, window.location.href);
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/** A link that opens in a new tab without giving that tab a handle on ours. */
export function link(href, label, props = {}) {
  const safe = safeUrl(href);
  if (!safe) return label instanceof Node ? label : document.createTextNode(String(label ?? ""));
  return el("a", { href: safe, target: "_blank", rel: "noopener noreferrer", ...props }, label);
}

/** Text with its http(s) URLs as links: text nodes and anchors, never parsed HTML. */
export function linkify(text) {
  const source = String(text ?? "");
  const nodes = [];
  let last = 0;
  for (const match of source.matchAll(URL_IN_TEXT)) {
    const raw = match[0].replace(TRAILING, "");
    if (!raw) continue;
    if (match.index > last) nodes.push(document.createTextNode(source.slice(last, match.index)));
    nodes.push(link(raw, raw));
    last = match.index + raw.length;
  }
  if (last < source.length) nodes.push(document.createTextNode(source.slice(last)));
  return nodes;
}

/** A random id for idempotent sends (crypto.randomUUID needs a secure context). */
export function uuid() {
  if (window.crypto && typeof window.crypto.randomUUID === "function" && window.isSecureContext) {
    return window.crypto.randomUUID();
  }
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

/** The elements of a cloned template that carry data-ref="name", by name. */
export function refsOf(root) {
  const refs = {};
  for (const node of root.querySelectorAll("[data-ref]")) refs[node.dataset.ref] = node;
  return refs;
}

// --- formatting --------------------------------------------------------------------

export function toDate(iso) {
  if (!iso) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function timeOf(date) {
  return date ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
}

export function fullTimeOf(date) {
  return date ? date.toLocaleString([], { dateStyle: "medium", timeStyle: "medium" }) : "";
}

export function dayOf(date) {
  if (!date) return "";
  const today = new Date();
  const yesterday = new Date(today.getTime() - 86400000);
  if (date.toDateString() === today.toDateString()) return "Today";
  if (date.toDateString() === yesterday.toDateString()) return "Yesterday";
  return date.toLocaleDateString([], { weekday: "short", year: "numeric", month: "long", day: "numeric" });
}

export function humanSize(bytes) {
  const n = Number(bytes);
  if (!Number.isFinite(n) || n < 0) return "";
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB"];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** "0:07", "12:30", "1:02:03": how long something has been going on. */
export function elapsed(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** "23 h 12 min", "8 min", "40 s": how much time is left. */
export function remaining(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  if (total >= 3600) return `${Math.floor(total / 3600)} h ${Math.floor((total % 3600) / 60)} min`;
  if (total >= 60) return `${Math.floor(total / 60)} min`;
  return `${total} s`;
}

/** UTF-8 size, as WhatsApp counts a text message (emoji take several bytes). */
export function utf8Length(text) {
  return new TextEncoder().encode(text).length;
}

export function initialOf(name) {
  const letter = String(name || "?").trim().match(/[\p{L}\p{N}]/u);
  return letter ? letter[0].toUpperCase() : "?";
}

// A name that ends in a number ("Customer …0002", "Order 4711") is told apart by that
// number: when the name is cut, only its head shrinks.
const DISTINGUISHING_TAIL = /\s+\S*\p{N}{2,}\S*$/u;
const TAIL_MAX = 14;

/**
 * A one-line name: its full text as the title (the CSS cuts it with an ellipsis), and a
 * trailing number kept whole in a tail that never shrinks.
 */
export function fillName(node, name) {
  const text = String(name ?? "");
  if (node.dataset.name === text) return; // unchanged (the tab list re-renders often)
  node.dataset.name = text;
  node.title = text;
  const match = text.match(DISTINGUISHING_TAIL);
  const tail = match && match.index > 0 && match[0].length <= TAIL_MAX ? match[0] : "";
  node.classList.toggle("name--split", Boolean(tail));
  if (!tail) {
    node.textContent = text;
    return;
  }
  node.replaceChildren(
    el("span", { class: "name-head", text: text.slice(0, match.index) }),
    el("span", { class: "name-tail", text: tail }),
  );
}

/** A form status line: its text, in the error style when ``error``. */
export function showStatus(node, text, error = false) {
  node.textContent = text;
  node.classList.toggle("form-status--error", error);
}

/**
 * Submitting ``form`` (its button, Enter in a field) and Ctrl/Cmd+Enter in ``field`` (the
 * form itself or its text area) both run ``action``, never a page load.
 */
export function onSubmit(form, field, action) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    action();
  });
  field.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      action();
    }
  });
}

/** sessionStorage that never throws (private mode, quota, storage disabled). */
export const session = {
  get(key) {
    try {
      return window.sessionStorage.getItem(key);
    } catch {
      return null;
    }
  },
  set(key, value) {
    try {
      if (value === null || value === undefined || value === "") window.sessionStorage.removeItem(key);
      else window.sessionStorage.setItem(key, value);
    } catch {
      // Without storage the draft lasts as long as the page.
    }
  },
  json(key, fallback) {
    try {
      const value = JSON.parse(this.get(key));
      return value ?? fallback;
    } catch {
      return fallback;
    }
  },
};
