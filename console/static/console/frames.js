// The WebSocket's server frames (docs/console-protocol.md), each applied where it belongs.
// Delivery is at-most-once: a frame that finds nothing to change (a message not shown, a
// contact of no open tab) leads to a catch-up or a resync instead.

import { invitationNotice, offerNotice } from "./desktop-notice.js";
import { fmt, gettext } from "./i18n.js";

/** @import { ConsoleApp } from "./console.js" */
/** @import { Frame } from "./types.js" */

/** After options.changed, consoles resync within this long (not all in the same instant). */
const OPTIONS_SPREAD_MS = 1000;

/**
 * Apply one frame. The switch covers every type of the protocol (the type checker says so
 * when one is added to types.d.ts and not here).
 * @param {ConsoleApp} app
 * @param {Frame} frame
 */
export function applyFrame(app, frame) {
  /** @param {number | string | undefined} id */
  const tab = (id) => app.tabs.get(Number(id));
  switch (frame.type) {
    case "hello":
    case "agent.state":
      app.setAgent(frame.agent);
      break;
    case "offer.created":
      if (frame.offer) {
        const fresh = !app.offers.cards.has(frame.offer.id);
        app.offers.add(frame.offer);
        if (fresh) app.desktop.notify(offerNotice(frame.offer)); // R2b
      }
      app.resyncSoon();
      break;
    case "offer.withdrawn":
      app.offers.withdraw(frame.offer_id, frame.reason);
      app.resyncSoon();
      break;
    case "interaction.assigned":
      if (frame.interaction) app.openTab(frame.interaction);
      app.resyncSoon();
      break;
    case "options.changed":
      // P5: an administrator changed options of this agent: applied at once rather than at
      // the next periodic resync (spread over a second: every console hears it at once).
      setTimeout(() => app.resync(), Math.random() * OPTIONS_SPREAD_MS);
      break;
    case "interaction.changed": {
      const target = frame.interaction && tab(frame.interaction.id);
      if (frame.interaction && target) target.update(frame.interaction);
      break;
    }
    case "interaction.window_closed":
    case "interaction.reply_timeout": {
      // O1 / O2: the window or the reply window ended; the tab says what can still be sent.
      const target = frame.interaction && tab(frame.interaction.id);
      if (frame.interaction && target) {
        target.update(frame.interaction);
        const who = target.contact.display_name || gettext("the customer");
        app.toast(
          frame.type === "interaction.window_closed"
            ? fmt(gettext("The 24-hour window with %(who)s closed: only a notification can be sent."), { who })
            : fmt(gettext("The response window with %(who)s ended: what you type now goes out as a notification; files, buttons and lists still go until the 24-hour window closes."), { who }),
        );
      }
      break;
    }
    case "interaction.closed":
      if (tab(frame.interaction_id)) app.closeTab(Number(frame.interaction_id), gettext("A conversation was closed."));
      app.resyncSoon();
      break;
    case "message.created":
    case "message.updated": {
      const target = frame.message && tab(frame.message.interaction_id);
      if (frame.message && target) target.receive([frame.message], { updated: frame.type === "message.updated" });
      break;
    }
    case "message.status": {
      const target = tab(frame.interaction_id);
      if (target && !target.transcript.setStatus(frame.message_id, frame.status, frame.error)) target.catchUp();
      break;
    }
    case "message.reaction": {
      const target = tab(frame.interaction_id);
      if (target && !target.transcript.setReaction(frame.message_id, frame.direction, frame.emoji, frame)) target.catchUp();
      break;
    }
    case "contact.changed": {
      let known = false;
      for (const t of app.tabs.values()) {
        if (frame.contact && t.contact.id === frame.contact.id) {
          t.setContact(frame.contact);
          known = true;
        }
      }
      // R8: a conversation of ours now belongs to another contact (a merge): the resync
      // brings each tab's contact.
      if (!known) app.resyncSoon();
      break;
    }
    case "conference.invited":
      // R5: an invitation card, like an offer (R2b: and a desktop notice).
      if (frame.invitation_id && !app.invitations.cards.has(frame.invitation_id)) app.desktop.notify(invitationNotice(frame));
      app.invitations.add(frame);
      break;
    case "conference.withdrawn":
      // R5: the conversation was done, transferred or parked before the agent answered.
      app.invitations.withdraw(frame.invitation_id, frame.reason);
      break;
    case "participants.changed": {
      const target = tab(frame.interaction_id);
      // The frame also says what this agent may now do with it (actions, part).
      if (target) target.setParticipants(frame.participants || [], { viewer: frame });
      break;
    }
    case "consultation.message": {
      // R6: to the agents of the consultation; a consulted agent without the tab gets it.
      const message = frame.message;
      if (!message) break;
      const target = tab(message.interaction_id);
      if (target) target.consultation.receive([message]);
      else if (message.author_id !== app.agent.id && message.interaction_id) {
        if (message.author_id && message.author_name) app.agentNames.set(message.author_id, message.author_name);
        app.consultations.open(message.interaction_id, { from: message.author_name });
      }
      break;
    }
    case "consultation.ended": {
      const target = tab(frame.interaction_id);
      if (target) target.consultation.endedByFrame();
      break;
    }
    case "workbin.changed":
      // R7: a workbin of ours changed (moved in, opened, the customer wrote): list it again.
      app.workbins.refreshSoon();
      break;
    case "board":
      app.board.render(frame.board);
      break;
    case "queues":
      app.board.queueCounts.render(frame.queues || []);
      break;
    case "supervision.notice":
      app.board.notice(frame.kind, frame.supervisor);
      break;
    case "subscribed":
      if ((frame.refused || []).length) app.resync();
      break;
    case "error":
      console.warn("console socket:", frame.code, frame.message);
      break;
    case "pong":
      break;
    default:
      ignore(frame); // a type of a newer server: nothing to do with it
  }
}

/** Every frame type is handled above (the checker makes this a compile error otherwise). @param {never} _frame */
function ignore(_frame) {}
