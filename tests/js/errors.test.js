// errors.js: a refusal in words, the friendlier sentence first.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { describeError } from "../../console/static/console/errors.js";

describe("describeError", () => {
  it("leads with the friendly sentence, then the server's message", () => {
    assert.equal(
      describeError({ code: "media_rejected", message: "The file is not a JPEG" }),
      "This file cannot be sent: The file is not a JPEG",
    );
  });
  it("does not repeat a message that already says it", () => {
    assert.equal(describeError({ code: "too_long", message: "The message is too long (5000 bytes)" }), "The message is too long (5000 bytes)");
  });
  it("keeps the server's words for a closed window, and the friendly ones without them", () => {
    assert.equal(describeError({ code: "window_closed", message: "Closed since 10:00" }), "Closed since 10:00");
    assert.equal(describeError({ code: "window_closed" }), "The 24-hour window is closed: only a notification (template) can be sent.");
  });
  it("tells a reused client_ref in its own words", () => {
    assert.match(describeError({ code: "client_ref_reused", message: "409" }), /Press Send again/);
  });
  it("falls back to the message, then to a sentence", () => {
    assert.equal(describeError({ code: "other", message: "Nope" }), "Nope");
    assert.equal(describeError(new Error("Boom")), "Boom");
    assert.equal(describeError({}), "Something went wrong.");
    assert.equal(describeError("plain"), "plain");
  });
  it("says nothing for nothing, and no inherited member is a friendly sentence", () => {
    assert.equal(describeError(null), "");
    assert.equal(describeError({ code: "constructor", message: "x" }), "x");
  });
});
