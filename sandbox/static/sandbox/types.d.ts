// The shapes the sandbox's phone page reads (sandbox/events.py, sandbox/views.py), for the
// type checker only: the browser never loads this file.

export interface SandboxChannel {
  phone_number_id: string;
  name?: string;
  display_phone_number?: string;
}

export interface PhoneConfig {
  channels: SandboxChannel[];
  phone_number_id: string;
  wa_id: string;
  profile_name: string;
  api: {
    send: string; media: string; history: string; chats: string; seen: string; played: string; calls: string;
    /** G2-G5: what Meta would change about the customer or the number (sandbox/controls.py). */
    identity: string; marketing: string; echo: string; number: string;
  };
  ws_path: string;
}

export interface CloudContact {
  name?: { formatted_name?: string };
  phones?: { phone?: string; wa_id?: string }[];
}

export interface CloudHeader {
  type?: string;
  text?: string;
  location?: CloudLocation;
  [media: string]: unknown;
}

export interface CloudLocation {
  latitude?: number | string;
  longitude?: number | string;
  name?: string;
  address?: string;
}

/** A message's Cloud API content (its type's object). */
export interface CloudContent extends CloudLocation {
  body?: string | { text?: string };
  caption?: string;
  filename?: string;
  text?: string;
  payload?: string;
  message_id?: string;
  emoji?: string;
  type?: string;
  header?: CloudHeader;
  footer?: { text?: string };
  action?: {
    button?: string;
    buttons?: { reply?: { id?: string; title?: string } }[];
    sections?: { title?: string; rows?: { id?: string; title?: string; description?: string }[] }[];
    parameters?: { url?: string; display_text?: string };
  };
  button_reply?: { id: string; title: string };
  list_reply?: { id: string; title: string; description?: string };
}

export interface RenderedButton {
  type?: string;
  text?: string;
  url?: string;
  phone_number?: string;
  payload?: string;
  code?: string;
}

export interface SandboxRendered {
  header?: CloudHeader | null;
  body?: string;
  footer?: string;
  buttons?: RenderedButton[];
}

/** A message of the phone's chat (either side). */
export interface PhoneMessage {
  id: number;
  wamid: string;
  direction: "customer" | "business";
  type: string;
  content: CloudContent | CloudContact[] | null;
  context_wamid?: string | null;
  rendered?: SandboxRendered | null;
  timestamp: string;
  status?: string;
  error?: { code: number | string; title?: string; details?: string } | null;
  media_url?: string | null;
  webhook_status?: number | null;
  webhook_error?: string;
  read_by_business?: boolean;
}

export interface PhoneChat {
  phone_number_id?: string;
  wa_id?: string;
  profile_name?: string;
  typing_until?: string | null;
  read_up_to?: number | null;
}
