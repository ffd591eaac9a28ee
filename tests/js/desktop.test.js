// R2b: what a desktop notice says (the interaction's type, the customer) and when one is shown.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  consultationNotice, customerOf, invitationNotice, noticePlan, offerNotice, offerTypeOf, originOf, permissionControl, titleAlert,
} from "../../console/static/console/desktop-notice.js";

/** @import { Invitation, Offer } from "../../console/static/console/types.js" */

const contact = { id: 7, display_name: "Lena Vogel", wa_id: "4915550002" };
/** @type {Offer} */
const offer = {
  id: 3,
  interaction_id: 11,
  due_at: "2026-12-06T01:00:00Z",
  contact,
  customer_wa_id: "4915550002",
  first_message: /** @type {Offer["first_message"]} */ ({ id: 1, type: "text", body: "Where is my parcel?" }),
  queue: "Support",
};

describe("R2b: what the notice says", () => {
  it("an offer names the interaction type and the customer, and what they wrote", () => {
    const notice = offerNotice(offer);
    assert.equal(notice.title, "New offer: New WhatsApp conversation");
    assert.equal(notice.body, "Lena Vogel (+4915550002) · Support\nWhere is my parcel?");
    assert.equal(notice.flash, "New offer — Lena Vogel");
    assert.equal(notice.tag, "wa-offer-3");
  });
  it("a transfer and a return from a workbin say so", () => {
    assert.equal(offerTypeOf(({ ...offer, origin: { kind: "transfer", label: "Transferred", by: "Bob" } })), "WhatsApp conversation transferred by Bob");
    assert.equal(offerTypeOf(({ ...offer, origin: { kind: "workbin", label: "Back from a workbin", by: "" } })), "WhatsApp conversation back from a workbin");
  });
  it("the offer card says where it comes from by its kind, not the server's label (built in another agent's language)", () => {
    assert.equal(originOf({ kind: "transfer", label: "Übertragen", by: "Bob" }), "Transferred by Bob");
    assert.equal(originOf({ kind: "transfer", label: "Übertragen" }), "Transferred");
    assert.equal(originOf({ kind: "workbin", label: "Aus einem Arbeitskorb zurück", by: "Ana" }), "Back from a workbin, put there by Ana");
    assert.equal(originOf({ kind: "workbin", label: "Aus einem Arbeitskorb zurück", by: "" }), "Back from a workbin");
    assert.equal(originOf({ kind: "later", label: "Later", by: "Ana" }), "Later · Ana"); // a kind this console does not know yet
  });
  it("an invitation and a consultation name who asks and the customer", () => {
    const invitation = invitationNotice(/** @type {Invitation} */ ({ invitation_id: 5, inviter: "Bob", interaction: { id: 11, contact } }));
    assert.equal(invitation.title, "Conference invitation: WhatsApp conversation");
    assert.equal(invitation.body, "Bob invites you to the conversation with Lena Vogel");
    const routed = invitationNotice(
      /** @type {Invitation} */ ({ invitation_id: 6, inviter: "Bob", via: { kind: "group", id: 1, name: "Sales" }, interaction: { id: 11, contact } }),
    );
    assert.equal(routed.body, "Bob invites you via the agent group Sales to the conversation with Lena Vogel");
    const consultation = consultationNotice(11, contact, "Bob");
    assert.equal(consultation.title, "Consultation: WhatsApp conversation");
    assert.equal(consultation.flash, "Consultation — Lena Vogel");
  });
  it("a customer without a name is their number", () => {
    assert.equal(customerOf({ display_name: "" }, "4915550003"), "+4915550003");
    assert.equal(customerOf(undefined), "a customer");
  });
  it("the title counts the new work and names the latest", () => {
    assert.equal(titleAlert([]), "");
    assert.equal(titleAlert(["New offer — Lena Vogel", "Consultation — Max"]), "(2) Consultation — Max");
  });
});

describe("R2b: when a notice is shown", () => {
  it("nothing while the agent looks at the console", () => {
    assert.deepEqual(noticePlan({ away: false, permission: "granted", sound: true }), { flash: false, notification: false, sound: false });
  });
  it("away: a notification only with the permission, a sound only by the option", () => {
    assert.deepEqual(noticePlan({ away: true, permission: "granted", sound: false }), { flash: true, notification: true, sound: false });
    assert.deepEqual(noticePlan({ away: true, permission: "denied", sound: true }), { flash: true, notification: false, sound: true });
    assert.deepEqual(noticePlan({ away: true, permission: null, sound: false }), { flash: true, notification: false, sound: false });
  });
  it("the header's control follows the permission", () => {
    assert.equal(permissionControl("default").text, "Enable desktop notices");
    assert.equal(permissionControl("default").disabled, false);
    assert.equal(permissionControl("granted").text, "Desktop notices on");
    assert.equal(permissionControl("denied").disabled, true);
    assert.equal(permissionControl(null).hidden, true);
  });
});
