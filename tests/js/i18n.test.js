// U4: the pages' small translation modules (sandbox/static/sandbox/i18n.js and its twin
// reports/static/reports/i18n.js): Django's catalogue when the page loaded it, English
// as written without it.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";

import * as phone from "../../sandbox/static/sandbox/i18n.js";
import * as search from "../../reports/static/reports/i18n.js";

const page = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (globalThis));

afterEach(() => {
  delete page.gettext;
  delete page.ngettext;
  delete page.pgettext;
});

/** @type {[string, typeof phone][]} */
const modules = [["the phone's", phone], ["the search page's", search]];
for (const [name, i18n] of modules) {
  describe(`${name} i18n.js`, () => {
    it("keeps the English text without a catalogue, with its values in", () => {
      assert.equal(i18n.gettext("Today"), "Today");
      assert.equal(i18n.gettext("webhook answered %(status)s", { status: 502 }), "webhook answered 502");
      assert.equal(i18n.ngettext("%(count)s found", "%(count)s found (many)", 1, { count: 1 }), "1 found");
      assert.equal(i18n.ngettext("%(count)s found", "%(count)s found (many)", 3, { count: 3 }), "3 found (many)");
      assert.equal(i18n.pgettext("message status", "Read"), "Read");
    });
    it("asks the catalogue at each call (it may load after the module)", () => {
      assert.equal(i18n.gettext("Today"), "Today");
      page.gettext = (/** @type {string} */ msgid) => (msgid === "Today" ? "Heute" : msgid);
      page.ngettext = (/** @type {string} */ one, /** @type {string} */ many, /** @type {number} */ n) =>
        n === 1 ? `${one} (de)` : `${many} (de)`;
      page.pgettext = (/** @type {string} */ context, /** @type {string} */ msgid) => `${context}|${msgid}`;
      assert.equal(i18n.gettext("Today"), "Heute");
      assert.equal(i18n.ngettext("%(n)s Sendung", "%(n)s Sendungen", 2, { n: 2 }), "2 Sendungen (de)");
      assert.equal(i18n.pgettext("message status", "Read"), "message status|Read");
    });
    it("leaves an unknown placeholder as it is, and text without values untouched", () => {
      assert.equal(i18n.interpolate("%(a)s and %(b)s", { a: 1 }), "1 and %(b)s");
      assert.equal(i18n.interpolate("100%(s) sure"), "100%(s) sure");
    });
  });
}
