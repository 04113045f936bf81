import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { MAGIC_COOKIE, bindingRequest, classifyAnswer, stunBinding, udpTargetOf } from '../../src/ops/stun';

const txid = Buffer.from('0102030405060708090a0b0c', 'hex');

function answer(type: number, id: Buffer, attributes = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(attributes.length, 2);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  id.copy(header, 8);
  return Buffer.concat([header, attributes]);
}

describe('a STUN binding request (RFC 5389)', () => {
  it('is a 20-byte header: type 0x0001, length 0, the magic cookie and the transaction id', () => {
    expect(bindingRequest(txid).toString('hex')).toBe('000100002112a442' + '0102030405060708090a0b0c');
  });

  it('is answered only by a success response with the same transaction id and a consistent length', () => {
    const xorMapped = Buffer.from('002000080001a1472112a443', 'hex');
    expect(classifyAnswer(answer(0x0101, txid, xorMapped), txid)).toBe('success');
    expect(classifyAnswer(answer(0x0111, txid), txid)).toBe('error');
    expect(classifyAnswer(answer(0x0101, Buffer.alloc(12, 7)), txid)).toBe('unrelated');
    expect(classifyAnswer(answer(0x0101, txid).subarray(0, 19), txid)).toBe('unrelated');
    const lying = answer(0x0101, txid, xorMapped);
    lying.writeUInt16BE(40, 2);
    expect(classifyAnswer(lying, txid)).toBe('unrelated');
  });
});

describe('the UDP target of TURN_URLS', () => {
  it('is the first turn: URL that is not TCP-only, port 3478 when none is given', () => {
    expect(udpTargetOf(['turns:turn.example.com:443?transport=tcp', 'turn:turn.example.com:443?transport=tcp', 'turn:turn.example.com?transport=udp']))
      .toEqual({ host: 'turn.example.com', port: 3478 });
    expect(udpTargetOf(['turn:127.0.0.1:34780'])).toEqual({ host: '127.0.0.1', port: 34780 });
    expect(udpTargetOf(['turn:[::1]:3478?transport=udp'])).toEqual({ host: '::1', port: 3478 });
  });

  it('does not exist when only TLS or TCP URLs are configured', () => {
    expect(udpTargetOf(['turns:turn.example.com:443'])).toBeNull();
    expect(udpTargetOf(['turn:turn.example.com:3478?transport=tcp'])).toBeNull();
    expect(udpTargetOf([])).toBeNull();
  });
});

describe('stunBinding against a loopback responder', () => {
  let server: Socket | undefined;
  afterEach(() => server?.close());

  async function responder(reply: (request: Buffer) => Buffer | null): Promise<number> {
    server = createSocket('udp4');
    server.on('message', (msg, rinfo) => {
      const out = reply(msg);
      if (out) server!.send(out, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => server!.bind(0, '127.0.0.1', resolve));
    return server.address().port;
  }

  it('succeeds when the success response echoes the transaction id', async () => {
    const port = await responder((req) => answer(0x0101, req.subarray(8, 20)));
    const result = await stunBinding({ host: '127.0.0.1', port }, 2000);
    expect(result).toMatchObject({ ok: true, detail: 'answered' });
  });

  it('fails on a response to another transaction, by timeout', async () => {
    const port = await responder(() => answer(0x0101, Buffer.alloc(12, 9)));
    const result = await stunBinding({ host: '127.0.0.1', port }, 600);
    expect(result).toMatchObject({ ok: false, detail: 'timeout' });
  });

  it('fails on a binding error response', async () => {
    const port = await responder((req) => answer(0x0111, req.subarray(8, 20)));
    expect(await stunBinding({ host: '127.0.0.1', port }, 2000)).toMatchObject({ ok: false, detail: 'error_response' });
  });
});
