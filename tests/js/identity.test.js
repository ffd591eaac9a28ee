// identity.js: the contact panel's WhatsApp address (G2) and marketing preference (G3).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  BUSINESS_APP, colleagueOf, contactAddress, isOlderContact, marketingLabel, nameOf, numberAside, profileAside,
} from "../../console/static/console/identity.js";

/** @import { Message } from "../../console/static/console/types.js" */

describe("contactAddress", () => {
  it("shows the number, and the username beside it", () => {
    assert.equal(contactAddress({ id: 1, display_name: "", wa_id: "4917612345678" }), "+4917612345678");
    assert.equal(
      contactAddress({ id: 1, display_name: "", wa_id: "4917612345678", user_id: "DE.1", username: "lena.v" }),
      "+4917612345678 · @lena.v",
    );
  });
  it("says the number is hidden when only the BSUID is known", () => {
    assert.equal(
      contactAddress({ id: 1, display_name: "", wa_id: null, user_id: "GB.66", username: "maya.bakes" }),
      "@maya.bakes · number hidden",
    );
  });
});

describe("marketingLabel", () => {
  const when = (/** @type {Date} */ date) => date.toISOString();
  it("says stopped or resumed, with the time", () => {
    const stopped = { id: 1, display_name: "", marketing_preference: "stop", marketing_preference_at: "2026-03-03T09:30:00Z" };
    assert.equal(marketingLabel(stopped, when), "Stopped marketing messages since 2026-03-03T09:30:00.000Z");
    assert.equal(
      marketingLabel({ ...stopped, marketing_preference: "resume", marketing_preference_at: null }, when),
      "Accepts marketing messages again",
    );
  });
  it("says nothing when the customer never chose", () => {
    assert.equal(marketingLabel({ id: 1, display_name: "" }), "");
  });
});

describe("colleagueOf", () => {
  const base = /** @type {Message} */ ({ id: 1, interaction_id: 1, direction: "out", type: "text", body: "Hi" });
  it("labels an echo of the business app", () => {
    assert.equal(colleagueOf({ ...base, from_business_app: true }, 7), BUSINESS_APP);
  });
  it("names another agent, not me nor the customer", () => {
    assert.equal(colleagueOf({ ...base, author_id: 8, author_name: "Bob" }, 7), "Bob");
    assert.equal(colleagueOf({ ...base, author_id: 7, author_name: "Me" }, 7), "");
    assert.equal(colleagueOf({ ...base, direction: "in" }, 7), "");
  });
});

describe("isOlderContact", () => {
  const known = { id: 7, display_name: "Lena Vogel", updated_at: "2026-12-05T10:00:02.000000+00:00" };
  it("a copy from before the last edit is older: it must not undo the edit", () => {
    assert.equal(isOlderContact({ id: 7, updated_at: "2026-12-05T10:00:01.000000+00:00" }, known), true);
  });
  it("the same or a newer copy, another contact, or no time is taken", () => {
    assert.equal(isOlderContact({ id: 7, updated_at: "2026-12-05T10:00:02.000000+00:00" }, known), false);
    assert.equal(isOlderContact({ id: 7, updated_at: "2026-12-05T10:00:03.000000+00:00" }, known), false);
    assert.equal(isOlderContact({ id: 8, updated_at: "2026-12-05T09:00:00.000000+00:00" }, known), false);
    assert.equal(isOlderContact({ id: 7 }, known), false);
    assert.equal(isOlderContact({ id: 7, updated_at: "2026-12-05T09:00:00Z" }, { id: 7 }), false);
  });
});

describe("names (U2: the server names, the console shows)", () => {
  it("shows the server's name", () => {
    assert.equal(nameOf({ id: 1, display_name: "Maria …0002", name_source: "profile" }), "Maria …0002");
    assert.equal(nameOf({ id: 1, display_name: "" }), "Customer");
    assert.equal(nameOf(null), "Customer");
  });
  it("puts the profile name beside a name that is not it", () => {
    const crm = { id: 1, display_name: "Maria Souza", name_source: /** @type {const} */ ("crm"), profile_name: "Mari 🌸" };
    assert.equal(profileAside(crm), "~Mari 🌸");
    assert.equal(profileAside({ ...crm, profile_name: "Maria Souza" }), ""); // the same words
    const profile = { id: 1, display_name: "Maria …0002", name_source: /** @type {const} */ ("profile"), profile_name: "Maria" };
    assert.equal(profileAside(profile), ""); // the name is the profile name already
    assert.equal(profileAside({ id: 1, display_name: "@maria.s", name_source: "username" }), "");
  });
  it("puts the number beside a name that is not it", () => {
    const profile = { id: 1, display_name: "Maria …0002", name_source: /** @type {const} */ ("profile"), wa_id: "4915112340002" };
    assert.equal(numberAside(profile), "+4915112340002");
    assert.equal(numberAside(profile, "4915199990000"), "+4915199990000"); // R8: the conversation's number
    const number = { id: 1, display_name: "+4915112340002", name_source: /** @type {const} */ ("number"), wa_id: "4915112340002" };
    assert.equal(numberAside(number), "");
    assert.equal(numberAside(number, "4915199990000"), "+4915199990000"); // another number of the contact
    assert.equal(numberAside({ id: 1, display_name: "Customer …5482", wa_id: null }), "");
  });
});
