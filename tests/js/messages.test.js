// messages.js: merging messages from every source (W1-W3), their summaries, and what a
// customer's reply chose (T3, T4).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  arrivalOrder, choiceOf, errorLine, filledUrl, isPartial, mergeMessage, mergedStatus, noticeOf, optionsOf, placement,
  refreshIds, summaryOf, timing, withReaction, withStatus, waitingLabel,
} from "../../console/static/console/messages.js";

/** @import { Message } from "../../console/static/console/types.js" */

/** @param {Partial<Message>} fields @returns {Message} */
function message(fields) {
  return { id: 1, interaction_id: 7, direction: "in", type: "text", body: "", ...fields };
}

describe("mergedStatus (a status never goes backwards)", () => {
  it("keeps the later of two statuses", () => {
    assert.equal(mergedStatus("read", "delivered"), "read");
    assert.equal(mergedStatus("sent", "delivered"), "delivered");
    assert.equal(mergedStatus("played", "read"), "played");
  });
  it("goes into and out of failed (a retry)", () => {
    assert.equal(mergedStatus("delivered", "failed"), "failed");
    assert.equal(mergedStatus("failed", "queued"), "queued");
  });
  it("keeps what it has when nothing comes", () => {
    assert.equal(mergedStatus("sent", undefined), "sent");
    assert.equal(mergedStatus(undefined, "sent"), "sent");
  });
});

describe("mergeMessage", () => {
  const full = message({ id: 5, status: "read", attachment: { id: 9, kind: "image", state: "ready" }, reactions: [{ direction: "in", emoji: "🙏" }] });

  it("fills in what a new message lacks", () => {
    const merged = mergeMessage(undefined, message({ id: 2 }));
    assert.deepEqual(
      [merged.attachment, merged.reactions, merged.quoted, merged.author_name, merged.revoked, merged.edited],
      [null, [], null, "", false, false],
    );
  });
  it("keeps the attachment and reactions a short frame does not carry", () => {
    const merged = mergeMessage(full, message({ id: 5, body: "edited text", status: "read" }));
    assert.equal(merged.body, "edited text");
    assert.deepEqual(merged.attachment, full.attachment);
    assert.deepEqual(merged.reactions, full.reactions);
  });
  it("takes a full shape whole", () => {
    const merged = mergeMessage(full, message({ id: 5, status: "read", attachment: null, reactions: [] }));
    assert.equal(merged.attachment, null);
    assert.deepEqual(merged.reactions, []);
  });
  it("a late status keeps the newer one and its error fields", () => {
    const failed = message({ id: 5, direction: "out", status: "failed", error_code: 131047, error_title: "Re-engagement" });
    const retried = mergeMessage(failed, message({ id: 5, direction: "out", status: "queued" }));
    assert.equal(retried.status, "queued");
    const late = mergeMessage(message({ id: 5, direction: "out", status: "read", error_title: "" }),
      message({ id: 5, direction: "out", status: "sent", error_title: "stale" }));
    assert.equal(late.status, "read");
    assert.equal(late.error_title, "");
  });
  it("a late 'created' frame does not undo a stored file (frames of two processes crossed)", () => {
    const stored = message({ id: 5, type: "video", attachment: { id: 9, kind: "video", state: "stored", url: "/f/9" } });
    const created = message({ id: 5, type: "video", attachment: { id: 9, kind: "video", state: "pending", url: null } });
    assert.deepEqual(mergeMessage(stored, created).attachment, stored.attachment);
    const failed = message({ id: 5, type: "video", attachment: { id: 9, kind: "video", state: "failed" } });
    assert.equal(mergeMessage(failed, created).attachment?.state, "failed");
    const purged = message({ id: 5, type: "video", attachment: { id: 9, kind: "video", state: "purged" } });
    assert.equal(mergeMessage(purged, stored).attachment?.state, "purged");
  });
  it("a file moves forward: downloading, then stored", () => {
    const pending = message({ id: 5, type: "video", attachment: { id: 9, kind: "video", state: "pending" } });
    const stored = message({ id: 5, type: "video", attachment: { id: 9, kind: "video", state: "stored", url: "/f/9" } });
    assert.equal(mergeMessage(pending, stored).attachment?.url, "/f/9");
  });
  it("a late frame neither brings back a deleted message nor undoes an edit", () => {
    const deleted = message({ id: 5, body: "", revoked: true, attachment: null });
    assert.equal(mergeMessage(deleted, message({ id: 5, body: "hi", revoked: false, attachment: null })).revoked, true);
    const edited = message({ id: 5, body: "see you at 3", edited: true, attachment: null });
    const late = mergeMessage(edited, message({ id: 5, body: "see you at 2", edited: false, attachment: null }));
    assert.deepEqual([late.body, late.edited], ["see you at 3", true]);
    const again = mergeMessage(edited, message({ id: 5, body: "see you at 4", edited: true, attachment: null }));
    assert.equal(again.body, "see you at 4");
  });
});

describe("message.status and message.reaction frames", () => {
  it("a failure keeps the known error where the frame has none", () => {
    const known = message({ direction: "out", status: "sent", error_code: 131026, error_title: "Undeliverable" });
    const failed = withStatus(known, "failed", null);
    assert.deepEqual([failed.status, failed.error_code, failed.error_title, failed.error_details], ["failed", 131026, "Undeliverable", ""]);
    const told = withStatus(known, "failed", { code: 131049, title: "Ecosystem", details: "Try later" });
    assert.deepEqual([told.error_code, told.error_title, told.error_details], [131049, "Ecosystem", "Try later"]);
  });
  it("a delivered never undoes a read", () => {
    assert.equal(withStatus(message({ status: "read" }), "delivered", null).status, "read");
  });
  it("one reaction per side; an empty emoji removes it", () => {
    const known = message({ reactions: [{ direction: "in", emoji: "👍" }, { direction: "out", emoji: "🙏" }] });
    assert.deepEqual(withReaction(known, "in", "❤️").reactions, [{ direction: "out", emoji: "🙏" }, { direction: "in", emoji: "❤️" }]);
    assert.deepEqual(withReaction(known, "out", "").reactions, [{ direction: "in", emoji: "👍" }]);
  });
  it("U1: the business's reaction keeps its send state; a failed removal stays shown", () => {
    const known = message({ reactions: [{ direction: "in", emoji: "👍" }] });
    const sending = withReaction(known, "out", "🙏", { status: "queued", error: "", author_name: "Alice" });
    assert.deepEqual((sending.reactions || [])[1], { direction: "out", emoji: "🙏", status: "queued", error: "", author_name: "Alice" });
    const failed = withReaction(sending, "out", "", { status: "failed", error: "Re-engagement message", author_name: "Alice" });
    assert.deepEqual((failed.reactions || []).map((r) => [r.emoji, r.status, r.error]), [["👍", undefined, undefined], ["", "failed", "Re-engagement message"]]);
    assert.deepEqual(withReaction(failed, "out", "", { status: "accepted" }).reactions, [{ direction: "in", emoji: "👍" }]);
  });
});

describe("order and placement", () => {
  it("orders by arrival, then id; origination where arrival is unknown", () => {
    const a = message({ id: 3, arrived_at: "2026-11-27T08:00:05Z" });
    const b = message({ id: 2, arrived_at: "2026-11-27T08:00:05Z" });
    const c = message({ id: 1, origination_at: "2026-11-27T08:00:10Z" });
    assert.deepEqual([a, c, b].sort(arrivalOrder).map((m) => m.id), [2, 3, 1]);
  });
  it("places the customer left, agents right, failures and notices in the middle", () => {
    assert.equal(placement(message({ direction: "in" })), "in");
    assert.equal(placement(message({ direction: "out", status: "sent" })), "out");
    assert.equal(placement(message({ direction: "out", status: "failed" })), "center");
    assert.equal(placement(message({ type: "unsupported" })), "center");
    assert.equal(placement(message({ type: "request_welcome" })), "center");
  });
  it("knows the short frame shape", () => {
    assert.equal(isPartial(message({})), true);
    assert.equal(isPartial(message({ attachment: null })), false);
  });
});

describe("timing (W2)", () => {
  it("flags a delayed message and one out of order, to the second", () => {
    const late = message({ origination_at: "2026-11-27T08:00:00Z", arrived_at: "2026-11-27T08:05:00Z" });
    assert.deepEqual(timing(late, null, 60000), { delayed: true, outOfOrder: false, originSecond: Date.parse("2026-11-27T08:00:00Z") / 1000 });
    const prompt = message({ origination_at: "2026-11-27T08:00:00.900Z", arrived_at: "2026-11-27T08:00:01Z" });
    const second = Date.parse("2026-11-27T08:00:00Z") / 1000;
    assert.equal(timing(prompt, second, 60000).outOfOrder, false); // same second: in order
    assert.equal(timing(prompt, second + 1, 60000).outOfOrder, true);
    assert.equal(timing(prompt, null, 60000).delayed, false);
  });
  it("has nothing to say without an origination time", () => {
    assert.deepEqual(timing(message({ arrived_at: "2026-11-27T08:00:00Z" }), 5, 0), { delayed: false, outOfOrder: false, originSecond: null });
  });
});

describe("summaryOf", () => {
  it("describes each type in one line", () => {
    assert.equal(summaryOf(message({ body: "Hi" })), "Hi");
    assert.equal(summaryOf(message({ type: "image", body: "the dent" })), "Photo: the dent");
    assert.equal(summaryOf(message({ type: "image" })), "Photo");
    assert.equal(summaryOf(message({ type: "audio", attachment: { id: 1, kind: "audio", voice: true } })), "Voice message");
    assert.equal(summaryOf(message({ type: "document", attachment: { id: 1, kind: "document", file_name: "invoice.pdf" } })), "Document: invoice.pdf");
    assert.equal(summaryOf(message({ type: "location", content: { name: "Office" } })), "Location: Office");
    assert.equal(summaryOf(message({ type: "interactive", content: { title: "Yes" } })), "chose: Yes");
    assert.equal(summaryOf(message({ type: "button", content: { text: "Stop" } })), "tapped: Stop");
    assert.equal(summaryOf(message({ type: "template", direction: "out", content: { template: { name: "hello" } } })), "Template hello");
    assert.equal(summaryOf(message({ type: "unsupported", content: {} })), "unsupported message (unknown)");
    assert.equal(summaryOf(message({ type: "request_welcome" }), { contactName: "Lena" }), "Lena opened the chat");
    assert.equal(summaryOf(message({ revoked: true, body: "secret" })), "message deleted");
    assert.equal(summaryOf(null), "");
  });
});

describe("templates and choices (T3, T4)", () => {
  it("fills a dynamic link's suffix from the sent template", () => {
    const template = { components: [{ type: "button", sub_type: "url", index: "1", parameters: [{ type: "text", text: "ord-42" }] }] };
    assert.equal(filledUrl("https://shop.test/track/{{1}}", template, 1), "https://shop.test/track/ord-42");
    assert.equal(filledUrl("https://shop.test/track/{{1}}", template, 0), "https://shop.test/track/{{1}}");
  });
  it("lists the options offered, quick replies before interactive ones", () => {
    assert.deepEqual(optionsOf({ rendered: { buttons: [{ type: "quick_reply", text: "Yes", payload: "Y" }, { type: "url", text: "Site" }, null] } }),
      [{ id: "Y", text: "Yes" }]);
    assert.deepEqual(optionsOf({ interactive: { action: { buttons: [{ reply: { id: "b1", title: "One" } }], sections: [{ rows: [{ id: "r1", title: "Row" }] }] } } }),
      [{ id: "b1", text: "One" }, { id: "r1", text: "Row" }]);
  });
  it("says what a reply chose", () => {
    assert.deepEqual(choiceOf(message({ type: "button", content: { text: "Yes", payload: "Y" } })), { texts: ["Yes", "Y"], ids: [] });
    assert.deepEqual(choiceOf(message({ type: "interactive", content: { title: "Row", id: "r1" } })), { texts: ["Row"], ids: ["r1"] });
    assert.equal(choiceOf(message({ type: "text" })), null);
  });
  it("notices and WhatsApp's errors read in one line", () => {
    assert.deepEqual(noticeOf(message({ type: "unsupported", content: { unsupported_type: "poll" } }), "Lena"),
      { text: "unsupported message (poll)", kind: "error" });
    assert.deepEqual(noticeOf(message({ type: "system", body: "" }), "Lena"), { text: "System message", kind: "info" });
    assert.equal(errorLine({ code: 131051, title: "Unsupported", error_data: { details: "Polls" } }), "Unsupported — Polls (131051)");
  });
});

describe("refreshIds (what a catch-up checks again)", () => {
  it("takes our unsettled messages, downloads and the recent tail, newest first, at most max", () => {
    const ordered = [
      message({ id: 1, direction: "out", status: "sent" }),
      message({ id: 2, direction: "out", status: "read" }),
      message({ id: 3, type: "image", attachment: { id: 1, kind: "image", state: "pending" } }),
      message({ id: 4, direction: "in" }),
      message({ id: 5, direction: "in" }),
    ];
    assert.deepEqual(refreshIds(ordered, { tail: 1, max: 10 }), [5, 3, 1]);
    assert.deepEqual(refreshIds(ordered, { tail: 2, max: 2 }), [5, 4]);
    assert.deepEqual(refreshIds([], { tail: 100, max: 200 }), []);
  });
});

describe("waitingLabel", () => {
  const base = /** @type {Message} */ ({ id: 1, interaction_id: 1, direction: "out", type: "text", body: "Hi", status: "queued" });
  it("says a paced message waits, per reason", () => {
    assert.match(waitingLabel({ ...base, waiting_to_send: true, error_code: 130429 }), /slow down/);
    assert.match(waitingLabel({ ...base, waiting_to_send: true, error_code: 131056 }), /one customer/);
  });
  it("says nothing otherwise", () => {
    assert.equal(waitingLabel(base), "");
  });
});
