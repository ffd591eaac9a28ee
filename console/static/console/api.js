// The REST API (docs/console-protocol.md): JSON in and out, the session cookie for
// authentication and the CSRF token on writes. Errors come back as ApiError with the
// server's {"error": {"code", "message", …}} so they can be shown where they happened;
// the error object's other members (e.g. interaction_open's "interaction_id") are in
// ``details``.

import { fmt, gettext } from "./i18n.js";

export class ApiError extends Error {
  /**
   * @param {object} [init]
   * @param {number} [init.status] the HTTP status (0: no answer came back, or none that could be read)
   * @param {string} [init.code]
   * @param {string} [init.message]
   * @param {Record<string, unknown> | null} [init.fields] input errors by field
   * @param {Record<string, unknown> | null} [init.details] the error object's other members
   */
  constructor({ status = 0, code = "network", message = "", fields = null, details = null } = {}) {
    super(message || (status ? fmt(gettext("The server answered %(status)s"), { status }) : gettext("The server could not be reached")));
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.details = details || {};
  }

  /**
   * No answer came back (offline, server restarting, the connection dropped on the way
   * back; code "answer_lost": a success's answer cut off): a read may be retried as it is;
   * a write may have been done (the composer's client_ref makes its retry safe).
   */
  get isNetwork() {
    return this.status === 0;
  }
}

/** Did no (readable) answer come back (see ApiError.isNetwork)? @param {unknown} error */
export function isNetworkError(error) {
  return error instanceof ApiError && error.isNetwork;
}

/** The server's error code ("" for anything that is no ApiError). @param {unknown} error */
export function errorCode(error) {
  return error instanceof ApiError ? error.code : "";
}

/** The HTTP status of a refusal (0 for anything else). @param {unknown} error */
export function errorStatus(error) {
  return error instanceof ApiError ? error.status : 0;
}

/** @param {string} name */
function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return "";
}

export function csrfToken() {
  const field = document.querySelector("input[name=csrfmiddlewaretoken]");
  return cookie("csrftoken") || (field instanceof HTMLInputElement ? field.value : "");
}

/**
 * @typedef {object} RequestOptions
 * @property {unknown} [body] sent as JSON
 * @property {FormData} [form] sent as multipart (a file upload)
 * @property {AbortSignal} [signal]
 */

export class Api extends EventTarget {
  /** base: the API root (bootstrap urls.api); paths not starting with "/" are relative to it. @param {string} base */
  constructor(base) {
    super();
    this.base = base.endsWith("/") ? base : `${base}/`;
  }

  /** @param {string} path */
  url(path) {
    return path.startsWith("/") ? path : `${this.base}${path}`;
  }

  /**
   * The answer's JSON, of the type the caller declares for it (docs/console-protocol.md
   * says what each path answers; ``unknown`` where nothing is declared).
   * @template T
   * @param {string} path
   * @param {RequestOptions} [options]
   * @returns {Promise<T>}
   */
  get(path, options) {
    return this.request("GET", path, options);
  }

  /**
   * @template T
   * @param {string} path
   * @param {unknown} body
   * @param {RequestOptions} [options]
   * @returns {Promise<T>}
   */
  post(path, body, options) {
    return this.request("POST", path, { ...options, body });
  }

  /**
   * @template T
   * @param {string} path
   * @param {unknown} body
   * @param {RequestOptions} [options]
   * @returns {Promise<T>}
   */
  patch(path, body, options) {
    return this.request("PATCH", path, { ...options, body });
  }

  /**
   * @template T
   * @param {string} path
   * @param {FormData} form
   * @param {RequestOptions} [options]
   * @returns {Promise<T>}
   */
  upload(path, form, options) {
    return this.request("POST", path, { ...options, form });
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {RequestOptions} [options]
   * @returns {Promise<any>} the JSON the server answered (the public methods type it)
   */
  async request(method, path, { body, form, signal } = {}) {
    /** @type {Record<string, string>} */
    const headers = { Accept: "application/json" };
    /** @type {RequestInit} */
    const init = { method, headers, credentials: "same-origin", signal };
    if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
    if (form) init.body = form;
    else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(this.url(path), init);
    } catch (error) {
      if (signal && signal.aborted) throw error; // the caller's own abort (a browser's on unload is none)
      throw new ApiError({ message: gettext("The server could not be reached. Check the connection and try again.") });
    }
    // A success whose answer was cut off on its way (the connection dropped, the page is
    // being reloaded) is no answer: read as "{}" it once said "you own no conversation" to
    // the resync, which closed every tab and dropped its draft. A write may have been done.
    const cut = () =>
      new ApiError({
        code: "answer_lost",
        message:
          method === "GET"
            ? gettext("The server's answer was cut off. Check the connection and try again.")
            : gettext("The server's answer was cut off: it may have been done. Check before trying again."),
      });
    /** @type {string} */
    let text = "";
    try {
      text = await response.text();
    } catch (error) {
      if (signal && signal.aborted) throw error;
      if (response.ok) throw cut();
      // A refusal keeps its status (401 signs out, 404 closes the tab) without its words.
    }
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        if (response.ok) throw cut(); // a success must say what it did (a refusal may be a proxy's page)
        data = null;
      }
    }
    if (!response.ok) {
      const problem = (data && data.error) || {};
      const error = new ApiError({
        status: response.status,
        code: problem.code || `http_${response.status}`,
        message: problem.message || fmt(gettext("The server answered %(status)s %(status_text)s"), { status: response.status, status_text: response.statusText }).trim(),
        fields: problem.fields || null,
        details: problem,
      });
      if (response.status === 401 || (response.status === 403 && error.code === "not_authenticated")) {
        this.dispatchEvent(new CustomEvent("unauthenticated", { detail: error }));
      }
      throw error;
    }
    return data ?? {};
  }
}
