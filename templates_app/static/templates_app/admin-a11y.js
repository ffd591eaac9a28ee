// U5: names for the admin's form controls Django leaves unlabelled, on every admin page
// (templates/admin/base_site.html). Django's tabular inlines label a column once, in its
// header, and its split date and time fields say "Date:" and "Time:" as bare text: a
// screen reader reaching such a box hears no name. Each gets the words the page shows
// for it (no new text): the column's header; the field's label with "Date:" or "Time:".
// Django's two-list widget (queues, skills, groups: SelectFilter2.js) names its filter box
// by a magnifier <span> in the box's label with an aria-label but no role, which ARIA
// does not allow (and screen readers may skip): it becomes the image it is.
// Audited by tests/browser/test_admin_accessibility.py.

const CONTROLS = "input:not([type=hidden]), select, textarea";

/** @param {string | null | undefined} text */
function clean(text) {
  return (text || "").replace(/\s+/g, " ").trim().replace(/:$/, "");
}

/** Whether the control has a name already (a label, aria-label or aria-labelledby). @param {Element} control */
function named(control) {
  if (control.hasAttribute("aria-label") || control.hasAttribute("aria-labelledby")) return true;
  return control instanceof HTMLInputElement || control instanceof HTMLSelectElement || control instanceof HTMLTextAreaElement
    ? Boolean(control.labels && control.labels.length)
    : true;
}

/** The header of the table column a cell is in. @param {HTMLTableCellElement} cell */
function columnHeader(cell) {
  const table = cell.closest("table");
  const header = table && table.tHead ? table.tHead.rows[0] : null;
  return header ? clean(header.cells[cell.cellIndex]?.textContent) : "";
}

/** The field's label of a split date and time: the form row's label, or the column's header. @param {Element} box */
function fieldLabel(box) {
  const cell = box.closest("td");
  if (cell instanceof HTMLTableCellElement) return columnHeader(cell);
  const row = box.closest(".fieldBox, .form-row");
  return row ? clean(row.querySelector("label")?.textContent) : "";
}

/** The bare text just before a control ("Date:", "Time:"). @param {Element} control */
function textBefore(control) {
  for (let node = control.previousSibling; node; node = node.previousSibling) {
    if (node.nodeType === Node.TEXT_NODE && clean(node.textContent)) return clean(node.textContent);
    if (node.nodeType === Node.ELEMENT_NODE && node.nodeName !== "BR") return "";
  }
  return "";
}

/** Name what is unnamed under ``root`` (the page, or an inline row just added). @param {ParentNode} root */
function label(root) {
  root.querySelectorAll(".datetime").forEach((box) => {
    const field = fieldLabel(box);
    box.querySelectorAll(CONTROLS).forEach((control) => {
      const part = textBefore(control);
      if (!named(control) && (field || part)) control.setAttribute("aria-label", [field, part].filter(Boolean).join(" "));
    });
  });
  root.querySelectorAll(".tabular td").forEach((cell) => {
    if (!(cell instanceof HTMLTableCellElement)) return;
    const header = columnHeader(cell);
    if (!header) return;
    cell.querySelectorAll(CONTROLS).forEach((control) => {
      if (!named(control)) control.setAttribute("aria-label", header);
    });
  });
}

/** The filter boxes' magnifiers, as SelectFilter2.js draws them (on load, or in an added row). */
function magnifiers() {
  document.querySelectorAll(".selector .search-label-icon[aria-label]:not([role])").forEach((icon) => icon.setAttribute("role", "img"));
}

label(document);
if (document.querySelector("select.selectfilter, select.selectfilterstacked")) {
  magnifiers();
  new MutationObserver(magnifiers).observe(document.body, { childList: true, subtree: true });
}
// An inline's "Add another" draws a row from its template: name its controls too.
document.addEventListener("formset:added", (event) => {
  if (event.target instanceof Element) label(event.target);
});
