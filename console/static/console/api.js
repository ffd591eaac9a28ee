// The REST API (docs/console-protocol.md): JSON in and out, the session cookie for
// authentication and the CSRF token on writes. Errors come back as ApiError with the
// server's {"error": {"code", "message", …}} so they can be shown where they happened;
// the error object's other members (e.g. interaction_open's "interaction_id") are in
// ``details``.

export class ApiError extends Error {
  constructor({ status = 0, code = "network", message = "", fields = null, details = null } = {}) {
    super(message || (status ? `The server answered ${status}` : "The server could not be reached"));
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.details = details || {};
  }

  /** Nothing reached the server (offline, server restarting): the same request may be retried. */
  get isNetwork() {
    return this.status === 0;
  }
}

function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return "";
}

export function csrfToken() {
  const field = document.querySelector("input[name=csrfmiddlewaretoken]");
  return cookie("csrftoken") || (field ? field.value : "");
}

export class Api extends EventTarget {
  /** base: the API root (bootstrap urls.api); paths not starting with "/" are relative to it. */
  constructor(base) {
    super();
    this.base = base.endsWith("/") ? base : `${base}/`;
  }

  url(path) {
    return path.startsWith("/") ? path : `${this.base}${path}`;
  }

  get(path, options) {
    return this.request("GET", path, options);
  }

  post(path, body, options) {
    return this.request("POST", path, { ...options, body });
  }

  patch(path, body, options) {
    return this.request("PATCH", path, { ...options, body });
  }

  upload(path, form, options) {
    return this.request("POST", path, { ...options, form });
  }

  async request(method, path, { body, form, signal } = {}) {
    const headers = { Accept: "application/json" };
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
      if (error && error.name === "AbortError") throw error;
      throw new ApiError({ message: "The server could not be reached. Check the connection and try again." });
    }
    let data = null;
    const text = await response.text().catch(() => "");
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!response.ok) {
      const problem = (data && data.error) || {};
      const error = new ApiError({
        status: response.status,
        code: problem.code || `http_${response.status}`,
        message: problem.message || `The server answered ${response.status} ${response.statusText}`.trim(),
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
