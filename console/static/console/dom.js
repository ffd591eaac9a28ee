// DOM helpers for the console. Every piece of data reaches the page through textContent,
// a checked URL attribute or a CSSOM property: never innerHTML, so nothing a customer (or
// anyone) writes can become markup or script.

import { splitLinks, splitName } from "./format.js";

const SAFE_PROTOCOLS = new Set(["http:", "https:"]);

/** What ``el`` appends: nodes, text, and lists of them (null, undefined and false are skipped). */
/** @typedef {Node | string | number | null | undefined | false | Child[]} Child */

/**
 * The properties ``el`` sets: ``class``, ``text`` (textContent), ``dataset``, ``on<event>``
 * (a listener), anything else an attribute (true: present; null, undefined, false: absent).
 * @typedef {object} KnownProps
 * @property {string | null} [class]
 * @property {unknown} [text]
 * @property {Record<string, string>} [dataset]
 * @property {(event: MouseEvent) => void} [onclick]
 * @property {(event: KeyboardEvent) => void} [onkeydown]
 * @property {(event: Event) => void} [onplay]
 * @typedef {KnownProps & Record<string, unknown>} Props
 */

/**
 * Create an element: props set attributes (text → textContent, on<event> → listener).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props} [props]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = String(value);
    else if (key === "text") node.textContent = String(value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

/** @param {Element} node @param {Child[]} children */
function append(node, children) {
  for (const child of children) {
    if (Array.isArray(child)) append(node, child);
    else if (child === null || child === undefined || child === false) continue;
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** The absolute URL if it is http(s) (relative ones resolve against this page), else null. @param {unknown} value */
export function safeUrl(value) {
  if (typeof value !== "string" || !value.trim()) return null;
  try {
    const url = new URL(value, window.location.href);
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * A link that opens in a new tab without giving that tab a handle on ours (the label alone
 * when the URL is not http(s)).
 * @param {unknown} href
 * @param {Node | string | undefined} label
 * @param {Props} [props]
 * @returns {Node}
 */
export function link(href, label, props = {}) {
  const safe = safeUrl(href);
  if (!safe) return label instanceof Node ? label : document.createTextNode(String(label ?? ""));
  return el("a", { href: safe, target: "_blank", rel: "noopener noreferrer", ...props }, label);
}

/** Text with its http(s) URLs as links: text nodes and anchors, never parsed HTML. @param {unknown} text */
export function linkify(text) {
  return splitLinks(text).map((part) => (part.url ? link(part.text, part.text) : document.createTextNode(part.text)));
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

/**
 * The element with this id, of this type: the page's markup and the modules agree on it,
 * so a missing one is a defect, said at once.
 * @template {Element} [T=HTMLElement]
 * @param {string} id
 * @param {new () => T} [type]
 * @returns {T}
 */
export function byId(id, type) {
  const node = document.getElementById(id);
  const expected = type || HTMLElement;
  if (!(node instanceof expected)) throw new Error(`#${id} is missing or not a ${expected.name}`);
  return /** @type {T} */ (/** @type {unknown} */ (node));
}

/**
 * The elements of a cloned template that carry data-ref="name", by name, each checked
 * against the type ``spec`` names for it.
 * @template {Record<string, new () => Element>} S
 * @param {ParentNode} root
 * @param {S} spec
 * @returns {{ [K in keyof S]: InstanceType<S[K]> }}
 */
export function refsOf(root, spec) {
  /** @type {Record<string, Element>} */
  const refs = {};
  for (const node of root.querySelectorAll("[data-ref]")) refs[node.getAttribute("data-ref") || ""] = node;
  for (const [name, type] of Object.entries(spec)) {
    if (!(refs[name] instanceof type)) throw new Error(`data-ref="${name}" is missing or not a ${type.name}`);
  }
  return /** @type {{ [K in keyof S]: InstanceType<S[K]> }} */ (/** @type {unknown} */ (refs));
}

/**
 * A form's control by name, of this type.
 * @template {Element} T
 * @param {HTMLFormElement} form
 * @param {string} name
 * @param {new () => T} type
 * @returns {T}
 */
export function control(form, name, type) {
  const node = form.elements.namedItem(name);
  if (!(node instanceof type)) throw new Error(`the form has no ${type.name} named ${name}`);
  return node;
}

/**
 * A one-line name: its full text as the title (the CSS cuts it with an ellipsis), and a
 * trailing number kept whole in a tail that never shrinks.
 * @param {HTMLElement} node
 * @param {unknown} name
 */
export function fillName(node, name) {
  const text = String(name ?? "");
  if (node.dataset.name === text) return; // unchanged (the tab list re-renders often)
  node.dataset.name = text;
  node.title = text;
  const { head, tail } = splitName(text);
  node.classList.toggle("name--split", Boolean(tail));
  if (!tail) {
    node.textContent = text;
    return;
  }
  node.replaceChildren(el("span", { class: "name-head", text: head }), el("span", { class: "name-tail", text: tail }));
}

/** A form status line: its text, in the error style when ``error``. @param {HTMLElement} node @param {string} text */
export function showStatus(node, text, error = false) {
  node.textContent = text;
  node.classList.toggle("form-status--error", error);
}

/**
 * Submitting ``form`` (its button, Enter in a field) and Ctrl/Cmd+Enter in ``field`` (the
 * form itself or its text area) both run ``action``, never a page load.
 * @param {HTMLFormElement} form
 * @param {HTMLElement} field
 * @param {() => unknown} action
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

/** Focus may go back where it was: nothing else took it since (the page, or inside ``dialog``). @param {HTMLElement} dialog */
export function focusIsFree(dialog) {
  const active = document.activeElement;
  return !active || active === document.body || dialog.contains(active);
}

/** sessionStorage that never throws (private mode, quota, storage disabled). */
export const session = {
  /** @param {string} key */
  get(key) {
    try {
      return window.sessionStorage.getItem(key);
    } catch {
      return null;
    }
  },
  /** @param {string} key @param {string | null | undefined} value */
  set(key, value) {
    try {
      if (value === null || value === undefined || value === "") window.sessionStorage.removeItem(key);
      else window.sessionStorage.setItem(key, value);
    } catch {
      // Without storage the draft lasts as long as the page.
    }
  },
  /**
   * @template T
   * @param {string} key
   * @param {T} fallback
   * @returns {T}
   */
  json(key, fallback) {
    try {
      const value = JSON.parse(this.get(key) || "null");
      return value ?? fallback;
    } catch {
      return fallback;
    }
  },
};
