// One WebSocket per browser tab to /ws/console/, reconnecting with backoff (1 s … 10 s).
// Delivery is at-most-once: whoever listens to "open" resynchronises over REST.
//
// Events: "state" (detail: "connecting" | "open" | "reconnecting" | "offline" | "signed-out"),
// "open", "frame" (detail: the parsed server frame).

const MIN_DELAY = 1000;
const MAX_DELAY = 10000;
//: A quiet socket is pinged; one that stays silent after that is treated as dead. (Every
//: 30 s, as Phoenix's clients: 10,000 consoles ping ~300 times a second, not ~600.)
const PING_EVERY = 30000;
const DEAD_AFTER = 50000;
const SIGNED_OUT = 4401;

/** @typedef {"connecting" | "open" | "reconnecting" | "offline" | "signed-out"} SocketState */
/** @import { Frame } from "./types.js" */

export class LiveSocket extends EventTarget {
  /** @param {string} path the socket's path (or a ws:// URL) */
  constructor(path) {
    super();
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    this.url = path.startsWith("ws") ? path : `${scheme}://${window.location.host}${path}`;
    /** @type {WebSocket | null} */
    this.socket = null;
    this.attempt = 0;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.retryTimer = undefined;
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.heartbeat = undefined;
    this.lastHeard = 0;
    /** @type {SocketState} */
    this.state = "connecting";
    this.stopped = false;
    window.addEventListener("offline", () => this.dropped("offline"));
    window.addEventListener("online", () => this.reconnectNow());
  }

  get isOpen() {
    return Boolean(this.socket && this.socket.readyState === WebSocket.OPEN);
  }

  /** @param {SocketState} state */
  setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: state }));
  }

  connect() {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    if (!navigator.onLine) {
      this.setState("offline");
      return;
    }
    this.setState(this.attempt ? "reconnecting" : "connecting");
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch {
      this.schedule();
      return;
    }
    this.socket = socket;
    socket.addEventListener("open", () => {
      if (socket !== this.socket) return;
      this.attempt = 0;
      this.lastHeard = Date.now();
      this.startHeartbeat();
      this.setState("open");
      this.dispatchEvent(new Event("open"));
    });
    socket.addEventListener("message", (event) => {
      if (socket !== this.socket) return;
      this.lastHeard = Date.now();
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame && typeof frame === "object") this.dispatchEvent(new CustomEvent("frame", { detail: /** @type {Frame} */ (frame) }));
    });
    socket.addEventListener("close", (event) => {
      if (socket !== this.socket) return;
      this.stopHeartbeat();
      this.socket = null;
      if (event.code === SIGNED_OUT) {
        this.stopped = true;
        this.setState("signed-out");
        return;
      }
      this.schedule();
    });
  }

  /** The next attempt after 1, 2, 4, 8, then 10 seconds (a little jitter spreads a server restart). */
  schedule() {
    if (this.stopped) return;
    if (!navigator.onLine) {
      this.setState("offline");
      return;
    }
    const delay = Math.min(MIN_DELAY * 2 ** this.attempt, MAX_DELAY) * (0.85 + Math.random() * 0.3);
    this.attempt += 1;
    this.setState("reconnecting");
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /** @param {SocketState} state */
  dropped(state) {
    const socket = this.socket;
    this.socket = null;
    this.stopHeartbeat();
    if (socket) socket.close();
    clearTimeout(this.retryTimer);
    this.setState(state);
  }

  reconnectNow() {
    if (this.stopped || this.isOpen) return;
    this.attempt = 0;
    if (this.socket) {
      this.socket.close();
      this.socket = null;
    }
    this.connect();
  }

  /** A command (docs/console-protocol.md); false when the socket is not open. @param {{ command: string } & Record<string, unknown>} frame */
  send(frame) {
    if (!this.socket || !this.isOpen) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  startHeartbeat() {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => {
      if (!this.isOpen) return;
      const quiet = Date.now() - this.lastHeard;
      if (quiet > DEAD_AFTER) {
        // Half-open connection (a laptop woke up, a proxy dropped it): start over.
        const socket = this.socket;
        this.socket = null;
        this.stopHeartbeat();
        if (socket) socket.close();
        this.schedule();
      } else if (quiet > PING_EVERY) {
        this.send({ command: "ping" });
      }
    }, 5000);
  }

  stopHeartbeat() {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}
