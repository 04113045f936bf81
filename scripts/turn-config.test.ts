// The production coturn configuration docs/turn.md gives, read as a relay would: it must log no
// client address (LGPD: a log the clinic cannot erase), and keep the listeners and the SSRF
// guard the docs promise.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const doc = readFileSync(path.resolve(import.meta.dirname, '../docs/turn.md'), 'utf8');
const section = doc.slice(doc.indexOf('## A production coturn'));
const block = /```ini\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
/** Its settings, comments and blank lines left out: `name` or `name=value`. */
const settings = block
  .split('\n')
  .map((l) => l.replace(/\s+#.*$/, '').trim())
  .filter((l) => l && !l.startsWith('#'));
const value = (name: string) => settings.filter((s) => s.split('=')[0] === name).map((s) => s.slice(name.length + 1));

describe('the production coturn configuration (docs/turn.md)', () => {
  it('is there', () => {
    expect(settings.length).toBeGreaterThan(20);
  });

  it('logs no client address anywhere', () => {
    expect(value('log-file')).toEqual(['/dev/null']);
    expect(settings).toContain('no-stdout-log');
    for (const noisy of ['verbose', 'Verbose', 'log-binding', 'syslog', 'simple-log']) expect(settings).not.toContain(noisy);
  });

  it('listens on 3478 and for TLS on 443, with the TURN REST secret scheme', () => {
    expect(value('listening-port')).toEqual(['3478']);
    expect(value('tls-listening-port')).toEqual(['443']);
    expect(settings).toContain('use-auth-secret');
  });

  it('never relays into private, loopback, link-local or metadata ranges', () => {
    const denied = value('denied-peer-ip');
    for (const range of ['10.0.0.0-10.255.255.255', '127.0.0.0-127.255.255.255', '169.254.0.0-169.254.255.255', '172.16.0.0-172.31.255.255', '192.168.0.0-192.168.255.255', '::1']) {
      expect(denied).toContain(range);
    }
    expect(settings).not.toContain('allow-loopback-peers');
  });
});
