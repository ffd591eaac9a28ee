// conversation.js: the pending response indicator (W5), the 24-hour and reply windows
// (O1, O2) and what the composer allows in each (W4, M2, R6).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  composerRules, draftState, pendingLevel, reopenedBy, replyTimeoutMs, thresholds, untilLabel, windowChip, windowState,
} from "../../console/static/console/conversation.js";
import { remaining } from "../../console/static/console/format.js";

const NOW = Date.parse("2026-11-27T12:00:00Z");
const HOUR = 3600000;
const iso = (/** @type {number} */ ms) => new Date(ms).toISOString();

describe("W5: pending response thresholds", () => {
  it("reads the option, else 30 and 50 seconds", () => {
    assert.deepEqual(thresholds("10,20"), { yellow: 10000, red: 20000 });
    assert.deepEqual(thresholds(" 5 , 8 "), { yellow: 5000, red: 8000 });
    assert.deepEqual(thresholds(undefined), { yellow: 30000, red: 50000 });
    assert.deepEqual(thresholds("x,y"), { yellow: 30000, red: 50000 });
  });
  it("never has red before yellow", () => {
    assert.deepEqual(thresholds("60,20"), { yellow: 60000, red: 60000 });
    assert.deepEqual(thresholds("-1,5"), { yellow: 30000, red: 50000 });
  });
  it("goes green, yellow, red", () => {
    const limits = thresholds("30,50");
    assert.equal(pendingLevel(29999, limits), "green");
    assert.equal(pendingLevel(30000, limits), "yellow");
    assert.equal(pendingLevel(50000, limits), "red");
  });
});

describe("O1, O2: the windows", () => {
  it("is open before the window's end and closed after", () => {
    assert.equal(windowState({ id: 1, window_expires_at: iso(NOW + HOUR) }, NOW).open, true);
    assert.equal(windowState({ id: 1, window_expires_at: iso(NOW - 1) }, NOW).open, false);
    assert.equal(windowState({ id: 1, window_expires_at: null }, NOW).open, false);
  });
  it("knows the reply window only from a server that sends it", () => {
    const old = windowState({ id: 1, window_expires_at: iso(NOW + HOUR) }, NOW);
    assert.deepEqual([old.fallback, old.replyOpen], [false, true]);
    const ended = windowState({ id: 1, window_expires_at: iso(NOW + HOUR), reply_window_ends_at: iso(NOW - 1) }, NOW);
    assert.deepEqual([ended.fallback, ended.open, ended.replyOpen], [true, true, false]);
  });
  it("the chip says what ends first", () => {
    const both = windowState({ id: 1, window_expires_at: iso(NOW + 20 * HOUR), reply_window_ends_at: iso(NOW + 90000) }, NOW);
    assert.deepEqual([windowChip(both, NOW, remaining).state, windowChip(both, NOW, remaining).text], [
      "open",
      `Window open · 1 min left: text until ${untilLabel(NOW + 90000, NOW)}, files, buttons and lists until ${untilLabel(NOW + 20 * HOUR, NOW)}`,
    ]);
    const open = windowState({ id: 1, window_expires_at: iso(NOW + 5 * HOUR + 60000) }, NOW);
    assert.equal(windowChip(open, NOW, remaining).text, `Window open · 5 h 1 min left: anything can be sent until ${untilLabel(NOW + 5 * HOUR + 60000, NOW)}`);
    const ended = windowState({ id: 1, window_expires_at: iso(NOW + HOUR), reply_window_ends_at: iso(NOW - 1) }, NOW);
    assert.equal(windowChip(ended, NOW, remaining).state, "reply-ended");
    // The chip agrees with the composer and the Notification editor: after the reply timeout
    // files, reply buttons and lists still go until the window closes (never "only a notification").
    assert.equal(
      windowChip(ended, NOW, remaining).text,
      `Response window ended: text goes out as a notification; files, buttons and lists until ${untilLabel(NOW + HOUR, NOW)}`,
    );
    const rules = composerRules({ ...ended, now: NOW }, null);
    assert.equal(rules.filesAllowed, true);
    assert.match(rules.notice, /Files, reply buttons and lists can still be sent until /);
    assert.doesNotMatch(rules.notice, /only a notification/);
    assert.equal(windowChip(windowState({ id: 1 }, NOW), NOW, remaining).text, "Window closed: only a notification can be sent");
  });
  it("a deadline today is a time, another day's names the day", () => {
    const today = untilLabel(NOW + 60000, NOW);
    assert.match(today, /\d/);
    assert.equal(untilLabel(NOW + 60000, NOW + 60000), today);
    assert.notEqual(untilLabel(NOW + 3 * 24 * HOUR, NOW), untilLabel(NOW + 3 * 24 * HOUR, NOW + 3 * 24 * HOUR));
  });
  it("the reply timeout is the server's last deadline after the customer's message, else the option", () => {
    assert.equal(replyTimeoutMs({ id: 1, last_inbound_at: iso(NOW), reply_window_ends_at: iso(NOW + 600000) }, {}), 600000);
    assert.equal(replyTimeoutMs({ id: 1 }, { "whatsappsession.reply-timeout": 120 }), 120000);
    assert.equal(replyTimeoutMs({ id: 1 }, {}), 86400000);
  });
  it("a customer message reopens both windows until the server says otherwise", () => {
    const summary = { id: 1, window_expires_at: iso(NOW - HOUR), last_inbound_at: iso(NOW - 25 * HOUR), reply_window_ends_at: iso(NOW - 25 * HOUR + 600000) };
    const next = reopenedBy(summary, { id: 9, interaction_id: 1, direction: "in", type: "text", origination_at: iso(NOW) }, {});
    assert.equal(next.window_expires_at, iso(NOW + 24 * HOUR));
    assert.equal(next.last_inbound_at, iso(NOW));
    assert.equal(next.reply_window_ends_at, iso(NOW + 600000));
    assert.equal(summary.window_expires_at, iso(NOW - HOUR), "the summary given is not changed");
  });
  it("an older customer message moves nothing", () => {
    const summary = { id: 1, window_expires_at: iso(NOW + 23 * HOUR) };
    assert.equal(reopenedBy(summary, { id: 9, interaction_id: 1, direction: "in", type: "text", origination_at: iso(NOW - 2 * HOUR) }, {}), summary);
    assert.equal(reopenedBy(summary, { id: 9, interaction_id: 1, direction: "in", type: "text" }, {}), summary);
  });
  it("without the reply window the server never sent, none is made up", () => {
    const next = reopenedBy({ id: 1 }, { id: 9, interaction_id: 1, direction: "in", type: "text", origination_at: iso(NOW) }, {});
    assert.equal("reply_window_ends_at" in next, false);
  });
});

describe("composerRules", () => {
  it("in the window: text and files", () => {
    const rules = composerRules({ open: true, replyOpen: true, fallback: true }, null);
    assert.deepEqual([rules.textAllowed, rules.filesAllowed, rules.noticeHidden, rules.placeholder], [true, true, true, "Type a message"]);
  });
  it("after the reply window: text goes out as a notification, files still go", () => {
    const rules = composerRules({ open: true, replyOpen: false, fallback: true }, null);
    assert.deepEqual([rules.textAllowed, rules.filesAllowed, rules.noticeKind], [true, true, "fallback"]);
    assert.match(rules.notice, /The response window has ended/);
    assert.equal(rules.placeholder, "Type the text of the notification");
  });
  it("window closed: a notification only, no files", () => {
    const fallback = composerRules({ open: false, replyOpen: false, fallback: true }, null);
    assert.deepEqual([fallback.textAllowed, fallback.filesAllowed], [true, false]);
    assert.match(fallback.notice, /files cannot be sent/);
    assert.equal(fallback.attachTitle, "Files cannot be sent: the 24-hour window is closed");
    const old = composerRules({ open: false, replyOpen: false, fallback: false }, null);
    assert.deepEqual([old.textAllowed, old.noticeKind], [false, "closed"]);
  });
  it("read only (R6): nothing, and says why", () => {
    const rules = composerRules({ open: true, replyOpen: true, fallback: true }, "Consultation: read only.");
    assert.deepEqual([rules.textAllowed, rules.filesAllowed, rules.noticeHidden, rules.noticeKind, rules.notice],
      [false, false, false, "readonly", "Consultation: read only."]);
    assert.equal(rules.attachTitle, "Files cannot be sent: read only");
  });
});

describe("draftState (W4)", () => {
  const base = { text: "", limit: 10, files: 0, responseFiles: 0, textAllowed: true, filesAllowed: true, readOnly: false, sending: false };
  it("counts bytes against the limit and refuses what is over", () => {
    assert.deepEqual([draftState({ ...base, text: "héllo" }).count, draftState({ ...base, text: "héllo" }).sendDisabled], ["6 / 10 bytes", false]);
    const over = draftState({ ...base, text: "👍👍👍" });
    assert.deepEqual([over.over, over.sendDisabled], [true, true]);
    assert.equal(over.overNotice, "Too long: 12 bytes in UTF-8, the limit is 10 bytes. Shorten the message to send it.");
  });
  it("sends files alone, not blanks", () => {
    assert.equal(draftState({ ...base, text: "   " }).sendDisabled, true);
    assert.equal(draftState({ ...base, text: "   ", files: 1 }).sendDisabled, false);
  });
  it("a response's files wait while the window is closed", () => {
    const blocked = draftState({ ...base, text: "hi", files: 1, responseFiles: 1, filesAllowed: false });
    assert.deepEqual([blocked.chipsBlocked, blocked.sendDisabled], [true, true]);
  });
  it("nothing while sending, read only, or with text the window refuses", () => {
    assert.equal(draftState({ ...base, text: "hi", sending: true }).sendDisabled, true);
    assert.equal(draftState({ ...base, text: "hi", readOnly: true }).sendDisabled, true);
    assert.equal(draftState({ ...base, text: "hi", textAllowed: false }).sendDisabled, true);
  });
});
