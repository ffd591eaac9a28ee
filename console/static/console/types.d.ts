// The shapes the console reads from the server (docs/console-protocol.md), for the type
// checker only: no module imports this file at run time (JSDoc `@import` is a comment), and
// the browser never loads it. Only the members the console reads are declared; the server
// may send more.

/** An ISO 8601 date-time string, or null when not set. */
export type IsoTime = string | null;

/** The options that apply to this agent (`whatsappsession.*`, effective values). */
export type Options = Record<string, unknown>;

/** AGENT */
export interface Agent {
  id: number;
  username: string;
  name: string;
  is_ready: boolean;
  capacity: number;
  load: number;
  not_ready_reason?: string;
  not_ready_notice?: string;
  ready_changed_at?: IsoTime;
}

/** CONTACT (the directory's lists add ``history_visible``). */
export interface Contact {
  id: number;
  /** U2: the name every screen shows, from the server's one rule. */
  display_name: string;
  /** U2: where ``display_name`` comes from. */
  name_source?: "crm" | "profile" | "username" | "number" | "nickname";
  name?: string;
  profile_name?: string;
  wa_id?: string | null;
  /** G2: the business-scoped user id and the username the customer chose. */
  user_id?: string | null;
  username?: string;
  /** G3: "stop" or "resume" (the customer's last choice), "" when never chosen. */
  marketing_preference?: string;
  marketing_preference_at?: IsoTime;
  phone?: string;
  email?: string;
  identifiers?: unknown;
  history_visible?: boolean;
  /** When the contact was last changed: an older copy (a slow REST answer) never undoes a newer one. */
  updated_at?: IsoTime | null;
}

/** What the server allows this agent with an interaction (DESIGN invariant 8). */
export type Action =
  | "reply"
  | "react"
  | "send_template"
  | "mark_read"
  | "note"
  | "edit_contact"
  | "case_data"
  | "done"
  | "transfer"
  | "consult"
  | "park"
  | "conference"
  | "assign_contact"
  | "leave_conference"
  | "consultation"
  | "end_consultation"
  | "leave_consultation";

/** The agent's part in an interaction, for labels only. */
export type Part = "owner" | "conference" | "consultation" | "supervisor" | "";

/** S2: a supervisor's interventions the server allows on an interaction (``interventions``). */
export type Intervention = "barge_in" | "take_over" | "move";

/** INTERACTION_SUMMARY (a frame's ``interaction`` may carry only some of it). */
export interface InteractionSummary {
  id: number;
  state?: string;
  owner_id?: number | null;
  queue_id?: number | null;
  contact_id?: number;
  channel_id?: number;
  customer_wa_id?: string;
  customer_user_id?: string;
  last_inbound_at?: IsoTime;
  last_outbound_at?: IsoTime;
  window_expires_at?: IsoTime;
  awaiting_reply_since?: IsoTime;
  reply_window_ends_at?: IsoTime;
  closed_at?: IsoTime;
  created_at?: IsoTime;
  contact?: Contact;
  actions?: Action[];
  part?: Part;
  interventions?: Intervention[];
}

export interface Participant {
  id?: number;
  agent_id: number;
  name: string;
  kind: "conference" | "consultation";
  state: string;
}

export interface Note {
  id: number;
  body: string;
  author?: string;
  created_at: string;
}

/** INTERACTION: the summary plus what GET interactions/{id}/console/ adds. */
export interface Interaction extends InteractionSummary {
  case_data?: Record<string, unknown>;
  notes?: Note[];
  disposition?: string;
  channel?: { id: number; name: string; display_phone_number?: string } | null;
  owner?: { id: number; name: string } | null;
  participants?: Participant[];
  queue?: string;
  survey?: SurveyResult | null;
}

/** ATTACHMENT */
export interface Attachment {
  id: number;
  kind: string;
  mime_type?: string;
  /** M1b: every file has one (the server names photos, voice messages… by kind and type). */
  file_name?: string;
  /** bytes, once downloaded */
  size?: number | null;
  state?: string;
  voice?: boolean;
  width?: number | null;
  height?: number | null;
  url?: string | null;
  thumbnail_url?: string | null;
  /** X4: what became of the file (purged by the retention policy), said by the server */
  notice?: string;
}

export interface Reaction {
  direction: string;
  emoji: string;
  /** U1: the business's reaction's send: queued … read, or failed ("" for the customer's) */
  status?: string;
  /** why the business's reaction failed */
  error?: string;
  /** the agent who reacted */
  author_name?: string;
}

/** A button of a rendered notification (T3) or the template list. */
export interface TemplateButton {
  type?: string;
  text?: string;
  title?: string;
  url?: string;
  phone_number?: string;
  id?: string;
  payload?: string;
  index?: number;
}

export interface ListRow {
  id?: string;
  title?: string;
  description?: string;
}

export interface ListSection {
  title?: string;
  rows?: ListRow[];
}

/** A notification as the customer reads it (the server renders it). */
export interface Rendered {
  header?: unknown;
  body?: string;
  footer?: string;
  buttons?: (TemplateButton | null)[];
  sections?: ListSection[];
}

export interface TemplateComponent {
  type?: string;
  sub_type?: string;
  index?: number | string;
  parameters?: { type?: string; text?: string }[];
}

/** An interactive message as the API or the Cloud API describes it. */
export interface InteractiveSpec {
  type?: string;
  header?: { type?: string; text?: string };
  body?: { text?: string };
  footer?: { text?: string };
  button?: string;
  buttons?: InteractiveButton[];
  sections?: ListSection[];
  action?: InteractiveAction;
}

export interface InteractiveAction {
  button?: string;
  buttons?: InteractiveButton[];
  sections?: ListSection[];
}

export interface InteractiveButton {
  id?: string;
  title?: string;
  reply?: { id?: string; title?: string };
}

export interface SharedContact {
  name?: { formatted_name?: string };
  phones?: { phone?: string; wa_id?: string }[];
  emails?: { email?: string }[];
}

/** A message's ``content``: its shape depends on the type (docs/console-protocol.md). */
export interface MessageContent {
  body?: string;
  filename?: string;
  voice?: boolean;
  latitude?: number | string;
  longitude?: number | string;
  name?: string;
  address?: string;
  url?: string;
  contacts?: SharedContact[];
  reply_type?: string;
  id?: string;
  title?: string;
  description?: string;
  payload?: string;
  text?: string;
  unsupported_type?: string;
  template?: { name?: string; language?: string; components?: TemplateComponent[] };
  interactive?: InteractiveSpec;
  rendered?: Rendered;
  notification_fallback?: boolean;
}

export interface MessageError {
  code?: number | string;
  title?: string;
  message?: string;
  details?: string;
  error_data?: { details?: string };
}

/** The message a reply quotes. */
export interface Quoted {
  id?: number;
  body?: string;
  direction: string;
  type: string;
  content?: MessageContent;
  revoked?: boolean;
  attachment?: Attachment | null;
}

/** MESSAGE. Frames may carry the short shape: without attachment, reactions, quoted… */
export interface Message {
  id: number;
  interaction_id: number;
  /** G4: sent from the WhatsApp Business app on the same number (a message echo). */
  from_business_app?: boolean;
  /** G5: queued because WhatsApp asked to slow down (130429 / 131056). */
  waiting_to_send?: boolean;
  contact_id?: number;
  channel_id?: number;
  direction: string;
  type: string;
  wamid?: string;
  body?: string;
  content?: MessageContent;
  context_wamid?: string;
  forwarded?: boolean;
  frequently_forwarded?: boolean;
  errors?: MessageError[];
  origination_at?: IsoTime;
  arrived_at?: IsoTime;
  status?: string;
  error_code?: number | string | null;
  error_title?: string;
  error_details?: string;
  author_id?: number | null;
  /** Sent by a bot or an automated flow (B4). */
  automated?: boolean;
  attachment?: Attachment | null;
  reactions?: Reaction[];
  quoted?: Quoted | null;
  author_name?: string;
  revoked?: boolean;
  edited?: boolean;
}

/** A message.status frame's update of a message. */
export interface StatusUpdate {
  id: number;
  status: string;
  error_code?: number | string | null;
  error_title?: string;
  error_details?: string;
}

/** A transcript page. */
export interface TranscriptPage {
  messages?: Message[];
  older?: string | null;
  interactions?: Record<string, { id: number | string; created_at?: IsoTime; channel_id?: number; state?: string }>;
}

/** OFFER */
export interface Offer {
  id: number;
  interaction_id: number;
  due_at: string;
  created_at?: string;
  contact: Contact;
  customer_wa_id?: string;
  first_message?: Message | null;
  latest_message?: Message | null;
  origin?: { kind: string; label: string; by?: string } | null;
  case_data?: Record<string, unknown>;
  queue?: string;
}

export interface Disposition {
  code: string;
  label: string;
}

/** What agent/me/ and the bootstrap bring besides the agent. */
export interface Choices {
  emojis?: string[];
  dispositions?: Disposition[];
  map_url_template?: string;
}

/** R5b: the agent group or skill through which routing chose the invited agent. */
export interface InvitationVia {
  kind: "group" | "skill";
  id: number;
  name: string;
}

export interface Invitation {
  invitation_id: number;
  inviter?: string;
  /** R5b: invited via an agent group or a skill (null: by name). */
  via?: InvitationVia | null;
  interaction?: InteractionSummary;
}

/** POST interactions/{id}/conference/ */
export interface ConferenceInvited {
  invitation_id: number;
  state: string;
  agent_id: number;
  agent_name: string;
  via: InvitationVia | null;
}

/** GET agent/me/ */
export interface AgentSnapshot extends Choices {
  agent: Agent;
  options?: Options;
  offers?: Offer[];
  interactions?: InteractionSummary[];
  invitations?: Invitation[];
  consultations?: InteractionSummary[];
}

/** The console page's bootstrap JSON. */
export interface Bootstrap extends AgentSnapshot {
  urls?: { ws?: string; api?: string };
  server_time?: string;
  /** S1: the board is shown (supervisors), with what its filters offer. */
  is_supervisor?: boolean;
  board_choices?: BoardChoices;
  /** U4: the language the agent chose ("" : the browser's), the page's, and the choices. */
  language?: { chosen: string; active: string; choices: { code: string; name: string }[] };
}

/** S1: an id and a name (a queue, an agent group, a number). */
export interface NamedChoice {
  id: number;
  name: string;
}

/** S1: what the board's filters offer. */
export interface BoardChoices {
  queues: NamedChoice[];
  groups: NamedChoice[];
  channels: NamedChoice[];
}

/** S1 QUEUE_WAITING: interactions waiting in one of the agent's queues. */
export interface QueueWaiting {
  id: number;
  name: string;
  waiting: number;
}

/** S1: a queue on the board. */
export interface BoardQueue {
  id: number;
  name: string;
  waiting: number;
  longest_waiting_since: IsoTime;
  offered_now: number;
  offered_today: number;
  abandoned_today: number;
  agents_ready: number;
  agents_busy: number;
  agents_not_ready: number;
}

/** S1: an interaction on the board. */
export interface BoardInteraction {
  id: number;
  state: string;
  contact: string;
  queue_id: number | null;
  queue: string;
  channel_id: number;
  owner_id: number | null;
  owner: string;
  awaiting_reply_since: IsoTime;
  window_expires_at: IsoTime;
}

/** S1: an agent on the board. */
export interface BoardAgent {
  id: number;
  name: string;
  username: string;
  group_id: number | null;
  group: string;
  status: "ready" | "busy" | "not_ready" | "signed_out";
  is_ready: boolean;
  not_ready_reason: string;
  not_ready_note: string;
  state_since: IsoTime;
  load: number;
  capacity: number;
  queue_ids: number[];
  interactions: BoardInteraction[];
}

/** S1: a pending offer on the board. */
export interface BoardOffer {
  id: number;
  interaction_id: number;
  contact: string;
  queue: string;
  agent_id: number;
  agent: string;
  due_at: string;
}

/** G5: a number whose quality at Meta is not GREEN, or dropped. */
export interface BoardNumber {
  id: number;
  name: string;
  display_phone_number: string;
  quality_rating: string;
  messaging_limit: string;
  quality_dropped_at: IsoTime;
}

/** B1: an entry flow that broke today (its customers went to the default queue). */
export interface BoardFlowError {
  flow_id: number;
  flow: string;
  channel_id: number;
  errors_today: number;
  last_error: string;
  last_at: string;
}

/** S1 BOARD. */
export interface Board {
  generated_at: string;
  today_since: string;
  filters: Record<string, number | string | null>;
  queues: BoardQueue[];
  agents: BoardAgent[];
  at_risk: { reply_pending: BoardInteraction[]; window_closing: BoardInteraction[]; offers_expiring: BoardOffer[] };
  numbers: BoardNumber[];
  flow_errors: BoardFlowError[];
}

/** A consultation message (R6). */
export interface ConsultationMessage {
  id: number;
  interaction_id?: number;
  author_id: number | null;
  author_name?: string;
  body: string;
  created_at?: string;
}

/** A standard response's file (T1). */
export interface ResponseFile {
  id: number;
  file_name: string;
  mime_type?: string;
  size?: number;
}

/** A standard response (T1). */
export interface StandardResponse {
  id: number;
  name: string;
  category?: string;
  shortcut?: string;
  text?: string;
  notification_template_id?: number | null;
  attachments?: ResponseFile[];
}

/** The parameter slots of a template (T2-T4). */
/** U3: a parameter as its field is labelled: the content manager's label, its name, or where it sits. */
export interface ParameterLabel {
  /** "body.2", "header.1", "body.first_name": as the server's errors name the field. */
  key: string;
  label: string;
  /** The text around its placeholder ("…your order {{2}} is on its way…"). */
  context?: string;
}

export interface TemplateSlots {
  /** G1: the parameters are names ({{first_name}}), each field labelled by its name. */
  named?: boolean;
  header?: (number | string)[];
  body?: (number | string)[];
  /** U3: what each header and body parameter is (the server's words), in their order. */
  labels?: { header?: ParameterLabel[]; body?: ParameterLabel[] };
  /** A dynamic link's suffix (kind "url"), or (G1) a coupon code ("copy_code"), a one-time code ("otp"), a flow token ("flow", optional). */
  buttons?: { index: number | string; kind?: string; text?: string; url?: string; optional?: boolean }[];
  media_header?: string | null;
  /** G1: the header is a place, given when sending. */
  location?: boolean;
}

/** G1: a LOCATION header's place as typed (numbers as text until the server reads them). */
export interface PlaceValues {
  latitude: string;
  longitude: string;
  name: string;
  address: string;
}

/** A sendable template (T2-T4). */
export interface Template {
  id: number;
  name: string;
  kind: string;
  language?: string;
  parameters?: TemplateSlots;
  header_type?: string;
  header_text?: string;
  body?: string;
  footer?: string;
  buttons?: TemplateButton[];
  has_header_file?: boolean;
  list_button?: string;
  sections?: ListSection[];
}

/** The values the agent typed into a template's slots. */
export interface TemplateValues {
  header: string[];
  body: string[];
  buttons: Record<string, string>;
  location?: PlaceValues;
}

/** The parameters sent with a template. */
export interface TemplateParameters {
  header?: string[];
  body?: string[];
  buttons?: Record<string, string>;
  location?: { latitude: string; longitude: string; name?: string; address?: string };
}

/** transfer-targets/ */
export interface TargetAgent {
  id: number;
  name: string;
  username?: string;
  is_ready?: boolean;
  capacity?: number;
  load?: number;
  available?: boolean;
}

export interface Target {
  id: number;
  name: string;
  username?: string;
}

export interface Targets {
  agents?: TargetAgent[];
  groups?: Target[];
  skills?: Target[];
  queues?: Target[];
  /** R5b: the types of target the server lets the caller invite to a conference. */
  conference_kinds?: string[];
}

/** R7 */
export interface WorkbinItem {
  interaction_id: number;
  contact?: Contact;
  placed_at?: string;
  placed_by?: string;
  reason?: string;
}

export interface Workbin {
  id: number;
  name: string;
  kind: string;
  mine?: boolean;
  items?: WorkbinItem[];
}

/** B3: the satisfaction survey sent after Done, and the customer's answer. */
export interface SurveyResult {
  sent_at: string;
  agent_id?: number | null;
  score?: number | null;
  answer?: string;
  satisfied?: boolean | null;
  answered_at?: IsoTime;
  comment?: string;
}

/** An entry of a contact's history (W11, O3). */
export interface HistoryEntry {
  id: number;
  created_at: string;
  closed_at?: IsoTime;
  state: string;
  channel?: string;
  owner?: string;
  disposition?: string;
  done_note?: string;
  survey?: SurveyResult | null;
  contact?: Contact;
}

/** The WebSocket's server frames (docs/console-protocol.md), by ``type``. */
export type Frame =
  | { type: "hello"; agent: Agent }
  | { type: "agent.state"; agent: Agent; reason?: string }
  | { type: "offer.created"; offer?: Offer }
  | { type: "offer.withdrawn"; offer_id: number; reason: string }
  | { type: "interaction.assigned"; interaction?: InteractionSummary }
  | { type: "interaction.changed"; interaction?: InteractionSummary }
  | { type: "interaction.closed"; interaction_id: number }
  | { type: "interaction.window_closed"; interaction?: InteractionSummary }
  | { type: "interaction.reply_timeout"; interaction?: InteractionSummary }
  | { type: "message.created"; message?: Message }
  | { type: "message.updated"; message?: Message }
  | { type: "message.status"; message_id: number; interaction_id: number; status: string; error?: MessageError }
  | { type: "message.reaction"; message_id: number; interaction_id: number; direction: string; emoji: string; status?: string; error?: string; author_name?: string }
  | { type: "contact.changed"; contact?: Contact; merged_contact_ids?: number[] }
  | { type: "workbin.changed"; workbin_id?: number }
  | ({ type: "conference.invited" } & Invitation)
  | { type: "conference.withdrawn"; invitation_id: number; reason?: string }
  | { type: "participants.changed"; interaction_id: number; participants?: Participant[]; actions?: Action[]; part?: Part; interventions?: Intervention[] }
  | { type: "consultation.message"; message?: ConsultationMessage }
  | { type: "consultation.ended"; interaction_id: number }
  | { type: "options.changed" }
  | { type: "board"; board: Board }
  | { type: "queues"; queues: QueueWaiting[] }
  | { type: "supervision.notice"; kind: string; interaction_id: number | null; supervisor: string }
  | { type: "subscribed"; interaction_ids?: number[]; refused?: number[] }
  | { type: "error"; code?: string; message?: string }
  | { type: "pong" };

/** U4: what Django's JavaScript catalogue (/jsi18n/, loaded before the modules) defines;
 * the modules call them through i18n.js, which falls back to English without them. */
declare global {
  function gettext(text: string): string;
  function ngettext(singular: string, plural: string, count: number): string;
  function interpolate(format: string, values: unknown[] | Record<string, unknown>, named?: boolean): string;
}
