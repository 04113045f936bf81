// The in-call chat: text messages over the call's data channel, never stored anywhere. Each
// message waits for the other side's receipt and is sent again whenever a channel opens (a new
// connection after a reload or a failed restart) until it is acknowledged; the receiver drops
// repeats by id. An ICE restart keeps the channel, and what is sent meanwhile is delivered after.
import { CONTROL_LIMITS, type ControlMessage } from './control';
import { randomHex } from './hex';
import { writable, type Observable } from './state';

export interface ChatMessage {
  id: string;
  from: 'me' | 'them';
  text: string;
  at: number;
  /** Mine: the other side's receipt came. Theirs: always true. */
  delivered: boolean;
}

/** How many messages a call keeps in memory: the oldest go first. */
export const CHAT_KEEP = 200;
export const CHAT_TEXT_MAX = CONTROL_LIMITS.textMax;

export class ChatTooLong extends Error {}

export interface Chat {
  messages: Observable<ChatMessage[]>;
  /** The other side's messages since the panel was last open. */
  unread: Observable<number>;
  /** Sends (or queues) a message; throws ChatTooLong past CHAT_TEXT_MAX; ignores an empty one. */
  send(text: string): ChatMessage | null;
  /** The panel is open: nothing is unread, and new messages are not counted. */
  setOpen(open: boolean): void;
}

export function createChat(transmit: (message: ControlMessage) => boolean, now: () => number = Date.now): Chat & {
  received(message: ControlMessage): void;
  /** A channel opened: everything of mine not yet acknowledged goes again. */
  resend(): void;
} {
  const messages = writable<ChatMessage[]>([]);
  const unread = writable(0);
  let open = false;
  const seen = new Set<string>();
  const keep = (list: ChatMessage[]) => messages.set(list.slice(-CHAT_KEEP));
  const wire = (m: ChatMessage): ControlMessage => ({ t: 'msg', id: m.id, text: m.text, at: m.at });

  return {
    messages,
    unread,
    send(text) {
      const body = text.trim();
      if (!body) return null;
      if (body.length > CHAT_TEXT_MAX) throw new ChatTooLong(`At most ${CHAT_TEXT_MAX} characters.`);
      const message: ChatMessage = { id: randomHex(9), from: 'me', text: body, at: now(), delivered: false };
      keep([...messages.get(), message]);
      transmit(wire(message));
      return message;
    },
    setOpen(next) {
      open = next;
      if (open) unread.set(0);
    },
    received(message) {
      if (message.t === 'ack') {
        if (messages.get().some((m) => m.from === 'me' && m.id === message.id && !m.delivered)) {
          messages.set(messages.get().map((m) => (m.from === 'me' && m.id === message.id ? { ...m, delivered: true } : m)));
        }
        return;
      }
      if (message.t !== 'msg') return;
      transmit({ t: 'ack', id: message.id });
      if (seen.has(message.id)) return;
      seen.add(message.id);
      keep([...messages.get(), { id: message.id, from: 'them', text: message.text, at: message.at, delivered: true }]);
      if (!open) unread.set(unread.get() + 1);
    },
    resend() {
      for (const m of messages.get()) if (m.from === 'me' && !m.delivered) transmit(wire(m));
    },
  };
}
