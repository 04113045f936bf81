// The in-call chat panel: messages over the call's data channel, nothing stored. Links stay
// text (nothing here is turned into HTML); the other side's new messages are announced and, with
// the panel closed, counted on the button's badge.
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { CHAT_TEXT_MAX, type ChatMessage } from '../call';
import { locale, t } from '../i18n';
import { formatClinicTime } from '../clinicTime';
import type { Call } from '../state/call';

/** The button that opens and closes the panel, with the unread count. */
export function ChatToggle({ call, open, onToggle }: { call: Call; open: boolean; onToggle: () => void }) {
  const unread = call.chatUnread.value;
  return (
    <button type="button" class="button chat-toggle" aria-expanded={open} aria-controls="chat-panel" onClick={onToggle}
      aria-label={unread > 0 ? t('chat.toggleUnread', { count: unread }) : t('chat.toggle')}>
      {t('chat.toggle')}
      {unread > 0 && <span class="badge count" aria-hidden="true" data-testid="chat-unread">{unread}</span>}
    </button>
  );
}

/** Announces each new message from the other side, whether the panel is open or not. */
export function ChatAnnouncer({ call }: { call: Call }) {
  const last = useRef<string | null>(null);
  const said = useSignal('');
  const messages = call.chatMessages.value;
  useEffect(() => {
    const theirs = messages.filter((m) => m.from === 'them');
    const newest = theirs.at(-1);
    if (!newest || newest.id === last.current) return;
    last.current = newest.id;
    said.value = t('chat.announce', { text: newest.text });
  }, [messages]);
  return <p class="visually-hidden" aria-live="polite" data-testid="chat-announcer">{said.value}</p>;
}

export function ChatPanel({ call, onClose }: { call: Call; onClose: () => void }) {
  const draft = useSignal('');
  const problem = useSignal<string | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const log = useRef<HTMLOListElement>(null);
  const messages = call.chatMessages.value;
  useEffect(() => {
    call.session.chat.setOpen(true);
    input.current?.focus();
    return () => call.session.chat.setOpen(false);
  }, [call]);
  useEffect(() => {
    log.current?.lastElementChild?.scrollIntoView({ block: 'end' });
  }, [messages.length]);

  const send = (event: Event) => {
    event.preventDefault();
    problem.value = null;
    try {
      if (call.session.chat.send(draft.value)) draft.value = '';
    } catch {
      problem.value = t('chat.tooLong', { max: CHAT_TEXT_MAX });
    }
    input.current?.focus();
  };

  return (
    <aside id="chat-panel" class="chat" aria-labelledby="chat-title" data-testid="chat-panel">
      <div class="chat-head">
        <h2 id="chat-title">{t('chat.title')}</h2>
        <button type="button" class="link-button" onClick={onClose}>{t('common.close')}</button>
      </div>
      <p class="hint">{t('chat.notStored')}</p>
      <ol class="chat-log" ref={log} data-testid="chat-log" tabIndex={0} aria-label={t('chat.log')}>
        {messages.map((m) => <ChatLine key={m.id} message={m} />)}
      </ol>
      <form class="chat-form" onSubmit={send}>
        <label for="chat-input" class="visually-hidden">{t('chat.label')}</label>
        <textarea id="chat-input" ref={input} rows={2} placeholder={t('chat.placeholder')} maxLength={CHAT_TEXT_MAX} value={draft.value}
          onInput={(e) => (draft.value = e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) send(e);
          }} />
        <button type="submit" class="button primary small" disabled={!draft.value.trim()}>{t('chat.send')}</button>
      </form>
      {problem.value && <p class="error-text" role="alert">{problem.value}</p>}
    </aside>
  );
}

function ChatLine({ message }: { message: ChatMessage }) {
  const mine = message.from === 'me';
  return (
    <li class={mine ? 'chat-line mine' : 'chat-line theirs'} data-delivered={String(message.delivered)} data-from={message.from}>
      <span class="visually-hidden">{mine ? t('chat.you') : t('chat.them')}: </span>
      <span class="chat-text">{message.text}</span>
      <span class="chat-meta">
        {formatClinicTime(new Date(message.at), locale.value)}
        {mine && <span data-testid="chat-status"> · {message.delivered ? t('chat.delivered') : t('chat.sending')}</span>}
      </span>
    </li>
  );
}
