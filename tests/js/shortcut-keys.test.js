// shortcut-keys.js (U1): which key press is which shortcut. Alt plus a key's position, so
// that typing never triggers one; "?" opens the list only outside a text box.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { SHORTCUTS, shortcutFor } from "../../console/static/console/shortcut-keys.js";

/** @param {Partial<{ code: string, key: string, altKey: boolean, ctrlKey: boolean, metaKey: boolean, shiftKey: boolean }>} press */
const key = (press) => ({ code: "", key: "", altKey: false, ctrlKey: false, metaKey: false, shiftKey: false, ...press });

describe("shortcutFor", () => {
  it("reads Alt and the key's position outside a text box, also where a Mac's Option types another character", () => {
    assert.equal(shortcutFor(key({ code: "KeyA", key: "å", altKey: true }), false)?.label, "Accept the newest offer");
    assert.equal(shortcutFor(key({ code: "ArrowDown", key: "ArrowDown", altKey: true }), false)?.label, "Next conversation");
    assert.equal(shortcutFor(key({ code: "KeyD", key: "∂", altKey: true }), false)?.label, "Done with the open conversation");
    assert.equal(shortcutFor(key({ code: "KeyL", key: "¬", altKey: true }), false)?.action, "react"); // U1: React's menu
  });

  it("leaves typing alone: letters, Ctrl+Alt (AltGr) and unknown keys are no shortcut", () => {
    assert.equal(shortcutFor(key({ code: "KeyA", key: "a" }), true), null);
    assert.equal(shortcutFor(key({ code: "KeyA", key: "a" }), false), null);
    assert.equal(shortcutFor(key({ code: "KeyE", key: "€", altKey: true, ctrlKey: true }), true), null);
    assert.equal(shortcutFor(key({ code: "KeyZ", altKey: true }), false), null);
  });

  it("opens the list with ? only outside a text box, with Alt+/ anywhere", () => {
    assert.equal(shortcutFor(key({ code: "Slash", key: "?", shiftKey: true }), false)?.code, "Slash");
    assert.equal(shortcutFor(key({ code: "Slash", key: "?", shiftKey: true }), true), null);
    assert.equal(shortcutFor(key({ code: "Slash", key: "/", altKey: true }), true)?.code, "Slash");
  });

  it("has one shortcut per key, each with a label for the list", () => {
    assert.equal(new Set(SHORTCUTS.map((s) => s.code)).size, SHORTCUTS.length);
    assert.ok(SHORTCUTS.every((s) => s.label && s.keys.startsWith("Alt+")));
  });
});

describe("shortcutFor in a text box", () => {
  it("takes Alt+letter where Alt types nothing (Windows, Linux), not a Mac's Option characters", () => {
    assert.equal(shortcutFor(key({ code: "KeyA", key: "a", altKey: true }), true)?.action, "accept");
    assert.equal(shortcutFor(key({ code: "KeyA", key: "ą", altKey: true }), true), null); // Polish Pro: types ą
    assert.equal(shortcutFor(key({ code: "KeyU", key: "Dead", altKey: true }), true), null); // a dead key
    assert.equal(shortcutFor(key({ code: "KeyA", key: "ą", altKey: true }), false)?.action, "accept"); // outside: acts
  });

  it("leaves a Mac's Option+arrows to the caret inside a text box; elsewhere Alt+arrows act", () => {
    const up = key({ code: "ArrowUp", key: "ArrowUp", altKey: true });
    assert.equal(shortcutFor(up, true, true), null);
    assert.equal(shortcutFor(up, false, true)?.action, "previous");
    assert.equal(shortcutFor(up, true, false)?.action, "previous");
  });
});
