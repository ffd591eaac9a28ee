// Line icons drawn as SVG through the DOM (no icon font, no emoji font needed).

const SVG = "http://www.w3.org/2000/svg";

/** @typedef {[string, Record<string, string | number>]} Shape */

/** A page with its corner folded: the outline of every file icon. @type {Shape} */
const PAGE = ["path", { d: "M14 3H7a1.5 1.5 0 0 0-1.5 1.5v15A1.5 1.5 0 0 0 7 21h10a1.5 1.5 0 0 0 1.5-1.5V7.5z" }];
/** @type {Shape} */
const FOLD = ["path", { d: "M14 3v4.5h4.5" }];

/** @type {Record<string, Shape[]>} */
const SHAPES = {
  check: [["path", { d: "M4 12.5l5 5L20 6.5" }]],
  checks: [["path", { d: "M1.5 12.5l5 5L17 7" }], ["path", { d: "M10.5 16.5l1 1L22 7" }]],
  clock: [["circle", { cx: 12, cy: 12, r: 8.5 }], ["path", { d: "M12 7.5V12l3 2" }]],
  clip: [["path", { d: "M20.5 11.5l-8.4 8.4a5.3 5.3 0 0 1-7.5-7.5l8.4-8.4a3.6 3.6 0 0 1 5 5l-8.4 8.4a1.8 1.8 0 0 1-2.5-2.5L15.2 7" }]],
  smile: [
    ["circle", { cx: 12, cy: 12, r: 9 }],
    ["path", { d: "M8 14.5c1 1.4 2.3 2 4 2s3-.6 4-2" }],
    ["circle", { cx: 9, cy: 9.8, r: 0.6, fill: "currentColor" }],
    ["circle", { cx: 15, cy: 9.8, r: 0.6, fill: "currentColor" }],
  ],
  send: [["path", { d: "M4 19.5L20.5 12 4 4.5l2.3 7.5L4 19.5z" }], ["path", { d: "M6.3 12H12" }]],
  doc: [["path", { d: "M14 3H7a1.5 1.5 0 0 0-1.5 1.5v15A1.5 1.5 0 0 0 7 21h10a1.5 1.5 0 0 0 1.5-1.5V7.5z" }], ["path", { d: "M14 3v4.5h4.5M9 13h6M9 16.5h6" }]],
  download: [["path", { d: "M12 4v11M7 10.5l5 5 5-5M5 20h14" }]],
  pin: [["path", { d: "M12 21s-6.5-6-6.5-11.2a6.5 6.5 0 0 1 13 0C18.5 15 12 21 12 21z" }], ["circle", { cx: 12, cy: 9.8, r: 2.3 }]],
  panel: [["rect", { x: 3.5, y: 4.5, width: 17, height: 15, rx: 2 }], ["path", { d: "M14.5 4.5v15" }]],
  contrast: [["circle", { cx: 12, cy: 12, r: 8.5 }], ["path", { d: "M12 3.5a8.5 8.5 0 0 1 0 17z", fill: "currentColor" }]],
  logout: [["path", { d: "M14 4.5h4.5v15H14" }], ["path", { d: "M9.5 8l-4 4 4 4M5.5 12h10" }]],
  close: [["path", { d: "M6 6l12 12M18 6L6 18" }]],
  retry: [["path", { d: "M4.5 12a7.5 7.5 0 1 0 2.3-5.4" }], ["path", { d: "M4.5 4v4.5H9" }]],
  alert: [["path", { d: "M12 4L2.8 19.5h18.4z" }], ["path", { d: "M12 10v4.5M12 17v.3" }]],
  play: [["path", { d: "M8 5.5v13l10-6.5z" }]],
  image: [["rect", { x: 3.5, y: 5, width: 17, height: 14, rx: 2 }], ["circle", { cx: 9, cy: 10, r: 1.6 }], ["path", { d: "M20.5 16l-5-5-8 8" }]],
  audio: [["path", { d: "M9 17.5V6l10-2v11.5" }], ["circle", { cx: 6.5, cy: 17.5, r: 2.5 }], ["circle", { cx: 16.5, cy: 15.5, r: 2.5 }]],
  video: [["rect", { x: 3, y: 6, width: 13, height: 12, rx: 2 }], ["path", { d: "M16 10.5l5-3v9l-5-3z" }]],
  chat: [["path", { d: "M4 18.5l1.2-3.6A7.8 7.8 0 1 1 8.4 18z" }]],
  user: [["circle", { cx: 12, cy: 8.5, r: 3.8 }], ["path", { d: "M4.5 20c.8-3.6 3.8-5.6 7.5-5.6s6.7 2 7.5 5.6" }]],
  // T1 the Standard Response Library, T2-T4 notifications, R7 workbins, O3 new conversations
  bolt: [["path", { d: "M13.5 3L5 13.5h6L10 21l9-11h-6.2z" }]],
  template: [["rect", { x: 4, y: 3.5, width: 16, height: 17, rx: 2 }], ["path", { d: "M8 8h8M8 11.5h8M8 15h4.5" }]],
  archive: [["rect", { x: 3.5, y: 4.5, width: 17, height: 4, rx: 1 }], ["path", { d: "M5 8.5V19a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V8.5M10 12.5h4" }]],
  plus: [["path", { d: "M12 5v14M5 12h14" }]],
  search: [["circle", { cx: 10.5, cy: 10.5, r: 6 }], ["path", { d: "M15 15l5 5" }]],
  reply: [["path", { d: "M9.5 7L4.5 12l5 5" }], ["path", { d: "M4.5 12H14a5.5 5.5 0 0 1 5.5 5.5V19" }]],
  copy: [["rect", { x: 8.5, y: 8.5, width: 11, height: 11, rx: 1.5 }], ["path", { d: "M15.5 8.5V5.5a1 1 0 0 0-1-1h-9a1 1 0 0 0-1 1v9a1 1 0 0 0 1 1h3" }]],
  external: [["path", { d: "M13.5 4.5h6v6M19.5 4.5L11 13" }], ["path", { d: "M17 13.5v5a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1v-10a1 1 0 0 1 1-1h5" }]],
  phone: [["path", { d: "M6.5 3.5h3l1.5 4.5-2 1.5a11 11 0 0 0 5.5 5.5l1.5-2 4.5 1.5v3a2 2 0 0 1-2 2A16 16 0 0 1 4.5 5.5a2 2 0 0 1 2-2z" }]],
  list: [["path", { d: "M9 6.5h11M9 12h11M9 17.5h11" }], ["circle", { cx: 5, cy: 6.5, r: 0.8, fill: "currentColor" }],
    ["circle", { cx: 5, cy: 12, r: 0.8, fill: "currentColor" }], ["circle", { cx: 5, cy: 17.5, r: 0.8, fill: "currentColor" }]],
  // R4 transfer, R5 conference, R6 consultation, R8 a known contact
  transfer: [["path", { d: "M4 8h13M13.5 4.5L17 8l-3.5 3.5" }], ["path", { d: "M20 16H7M10.5 12.5L7 16l3.5 3.5" }]],
  userPlus: [["circle", { cx: 9.5, cy: 8.5, r: 3.5 }], ["path", { d: "M3.5 20c.7-3.5 3.2-5.5 6-5.5s5.3 2 6 5.5" }], ["path", { d: "M18.5 7v6M15.5 10h6" }]],
  consult: [
    ["path", { d: "M3.5 14.5v-9A1.5 1.5 0 0 1 5 4h10a1.5 1.5 0 0 1 1.5 1.5v6A1.5 1.5 0 0 1 15 13H7.5z" }],
    ["path", { d: "M16.5 8.5H19a1.5 1.5 0 0 1 1.5 1.5v9.5l-3.5-3H10A1.5 1.5 0 0 1 8.5 15v-.5" }],
  ],
  users: [["circle", { cx: 9, cy: 8.5, r: 3.2 }], ["path", { d: "M3 19.5c.6-3.3 3-5.2 6-5.2s5.4 1.9 6 5.2" }],
    ["circle", { cx: 17, cy: 9, r: 2.5 }], ["path", { d: "M16.5 14.3c2.4.1 4 1.8 4.5 4.7" }]],
  lock: [["rect", { x: 5, y: 10.5, width: 14, height: 10, rx: 1.5 }], ["path", { d: "M8 10.5v-3a4 4 0 0 1 8 0v3" }]],
  leave: [["path", { d: "M10 4.5H5.5v15H10" }], ["path", { d: "M14.5 8l4 4-4 4M18.5 12h-10" }]],
  // M1b: one icon per file type (files.js): a page with what it holds
  file: [PAGE, FOLD],
  filePdf: [PAGE, FOLD, ["rect", { x: 7.5, y: 12, width: 9, height: 5, rx: 1, fill: "currentColor" }]],
  fileSheet: [PAGE, FOLD, ["path", { d: "M8.5 11h7v7h-7zM8.5 14.5h7M12 11v7" }]],
  fileWord: [PAGE, FOLD, ["path", { d: "M8.5 11.5h7M8.5 14.5h7M8.5 17.5h4.5" }]],
  fileSlides: [PAGE, FOLD, ["rect", { x: 8, y: 11, width: 8, height: 5.5, rx: 0.6 }], ["path", { d: "M12 16.5v2M10 18.5h4" }]],
  fileArchive: [PAGE, FOLD, ["path", { d: "M11 3.5v1.5M13 5v1.5M11 6.5V8M13 8v1.5" }], ["rect", { x: 10.3, y: 11, width: 3.4, height: 4, rx: 0.8 }]],
  fileAudio: [PAGE, FOLD, ["path", { d: "M11 17.5V11.5l4-1v5.5" }], ["circle", { cx: 9.8, cy: 17.5, r: 1.3 }], ["circle", { cx: 13.8, cy: 16, r: 1.3 }]],
  fileVideo: [PAGE, FOLD, ["path", { d: "M10 11.5v6l5-3z" }]],
  fileImage: [PAGE, FOLD, ["circle", { cx: 10, cy: 12, r: 1.2 }], ["path", { d: "M7.5 18.5l3.5-3.5 2 2 1.5-1.5 2 3" }]],
  fileText: [PAGE, FOLD, ["path", { d: "M8.5 12h7M8.5 15h7" }]],
};

/** An icon (aria-hidden: the button or label around it names it). @param {string} name */
export function icon(name, className = "icon") {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", className);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  for (const [tag, attrs] of SHAPES[name] || []) {
    const shape = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs)) shape.setAttribute(key, String(value));
    svg.append(shape);
  }
  return svg;
}

/** Put icons into server-rendered placeholders: <span data-icon="name"></span>. @param {ParentNode} root */
export function hydrateIcons(root = document) {
  for (const slot of root.querySelectorAll("[data-icon]")) {
    if (!slot.firstChild) slot.append(icon(slot.getAttribute("data-icon") || ""));
  }
}
