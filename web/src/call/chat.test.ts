import { describe, expect, it } from 'vitest';
import { CHAT_KEEP, CHAT_TEXT_MAX, ChatTooLong, createChat } from './chat';
import { CONTROL_LIMITS, parseControl, type ControlMessage } from './control';

/** Two chats joined by a wire that can be cut, as a data channel across a reconnection. */
function pair() {
  let up = true;
  const sent: Array<{ from: 'a' | 'b'; m: ControlMessage }> = [];
  const a = createChat((m) => {
    sent.push({ from: 'a', m });
    if (up) b.received(JSON.parse(JSON.stringify(m)) as ControlMessage);
    return up;
  });
  const b = createChat((m) => {
    sent.push({ from: 'b', m });
    if (up) a.received(JSON.parse(JSON.stringify(m)) as ControlMessage);
    return up;
  });
  return { a, b, sent, cut: () => (up = false), mend: () => (up = true) };
}

describe('chat', () => {
  it('delivers a message, and the sender sees the receipt', () => {
    const { a, b } = pair();
    a.send('  Tome 1 comprimido às 8h  ');
    expect(b.messages.get()).toMatchObject([{ from: 'them', text: 'Tome 1 comprimido às 8h' }]);
    expect(a.messages.get()).toMatchObject([{ from: 'me', text: 'Tome 1 comprimido às 8h', delivered: true }]);
  });

  it('keeps a message sent while the channel is down and delivers it once, when a channel opens again', () => {
    const { a, b, cut, mend } = pair();
    cut();
    a.send('Rua das Flores, 12');
    expect(a.messages.get()[0]!.delivered).toBe(false);
    expect(b.messages.get()).toEqual([]);
    mend();
    a.resend();
    a.resend(); // a second channel opening: already acknowledged, nothing goes again
    expect(b.messages.get().map((m) => m.text)).toEqual(['Rua das Flores, 12']);
    expect(a.messages.get()[0]!.delivered).toBe(true);
  });

  it('drops a repeat by id but acknowledges it again (its first receipt may have been lost)', () => {
    const { b, sent } = pair();
    const msg: ControlMessage = { t: 'msg', id: 'abc', text: 'oi', at: 1 };
    b.received(msg);
    b.received(msg);
    expect(b.messages.get()).toHaveLength(1);
    expect(sent.filter((s) => s.from === 'b' && s.m.t === 'ack')).toHaveLength(2);
  });

  it('counts the other side’s messages while the panel is closed, and none of ours', () => {
    const { a, b } = pair();
    a.send('um');
    a.send('dois');
    b.send('resposta');
    expect(b.unread.get()).toBe(2);
    expect(a.unread.get()).toBe(1);
    b.setOpen(true);
    expect(b.unread.get()).toBe(0);
    a.send('três');
    expect(b.unread.get()).toBe(0);
  });

  it('ignores an empty message, refuses one too long, and keeps at most the newest messages', () => {
    const { a, b } = pair();
    expect(a.send('   ')).toBeNull();
    expect(() => a.send('x'.repeat(CHAT_TEXT_MAX + 1))).toThrow(ChatTooLong);
    for (let i = 0; i < CHAT_KEEP + 5; i++) a.send(`m${i}`);
    expect(a.messages.get()).toHaveLength(CHAT_KEEP);
    expect(b.messages.get().at(0)!.text).toBe('m5');
  });
});

describe('control messages from the other side', () => {
  it('reads the ones we send', () => {
    expect(parseControl(JSON.stringify({ t: 'media', mic: false, camera: true }))).toEqual({ t: 'media', mic: false, camera: true, weak: false });
    expect(parseControl(JSON.stringify({ t: 'media', mic: true, camera: true, weak: true }))).toEqual({ t: 'media', mic: true, camera: true, weak: true });
    expect(parseControl(JSON.stringify({ t: 'msg', id: 'x1', text: '<a href="https://x">x</a>', at: 5 }))).toEqual({ t: 'msg', id: 'x1', text: '<a href="https://x">x</a>', at: 5 });
    expect(parseControl(JSON.stringify({ t: 'ack', id: 'x1' }))).toEqual({ t: 'ack', id: 'x1' });
  });

  it.each([
    ['not JSON', '{oops'],
    ['a number', '42'],
    ['null', 'null'],
    ['an unknown type', JSON.stringify({ t: 'html', body: '<b>' })],
    ['media with a string', JSON.stringify({ t: 'media', mic: 'no', camera: true })],
    ['media with a weak link that is not a boolean', JSON.stringify({ t: 'media', mic: true, camera: true, weak: 'yes' })],
    ['a message without id', JSON.stringify({ t: 'msg', text: 'x', at: 1 })],
    ['a message with an empty id', JSON.stringify({ t: 'msg', id: '', text: 'x', at: 1 })],
    ['a message with a huge id', JSON.stringify({ t: 'msg', id: 'i'.repeat(CONTROL_LIMITS.idMax + 1), text: 'x', at: 1 })],
    ['a message too long', JSON.stringify({ t: 'msg', id: 'a', text: 'x'.repeat(CONTROL_LIMITS.textMax + 1), at: 1 })],
    ['a message with a text object', JSON.stringify({ t: 'msg', id: 'a', text: { toString: 1 }, at: 1 })],
    ['a message with no time', JSON.stringify({ t: 'msg', id: 'a', text: 'x' })],
    ['a frame over the limit', 'x'.repeat(CONTROL_LIMITS.frameMax + 1)],
  ])('ignores %s', (_label, data) => {
    expect(parseControl(data)).toBeNull();
  });
});
