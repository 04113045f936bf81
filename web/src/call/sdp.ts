// Small pure helpers over SDP text.

/** Where a description is addressed: the receiving session and the seq it answers ('*' = anyone). */
export interface Address {
  to: string;
  seq: number | null;
}

const ADDRESS_LINE = /^a=tc-to:([^\r\n]*)\r?\n/m;

/**
 * Adds a session-level `a=tc-to:` line. The peer document's shape is fixed, so the addressee
 * travels inside the SDP; it is removed again before the SDP reaches the browser.
 */
export function withAddress(sdp: string, address: Address): string {
  const line = `a=tc-to:${address.to}${address.seq === null ? '' : `/${address.seq}`}\r\n`;
  const clean = withoutAddress(sdp);
  const at = clean.search(/^t=.*\r?\n/m);
  if (at < 0) return clean + line;
  const end = clean.indexOf('\n', at) + 1;
  return clean.slice(0, end) + line + clean.slice(end);
}

export function addressOf(sdp: string): Address | null {
  const m = ADDRESS_LINE.exec(sdp);
  if (!m) return null;
  const [to, seq] = m[1]!.split('/');
  return { to: to!, seq: seq === undefined ? null : Number(seq) };
}

export function withoutAddress(sdp: string): string {
  return sdp.replace(ADDRESS_LINE, '');
}

/** Candidates travel in the document's list, not twice inside the SDP. */
export function withoutCandidates(sdp: string): string {
  return sdp.replace(/^a=(candidate|end-of-candidates).*\r?\n/gm, '');
}

export function ufragOf(sdp: string): string | null {
  return /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1] ?? null;
}

/** The DTLS fingerprint: it changes only when the other side replaced its peer connection. */
export function fingerprintOf(sdp: string): string | null {
  return /^a=fingerprint:(.+?)\s*$/m.exec(sdp)?.[1] ?? null;
}

export function ufragOfCandidate(candidate: string): string | null {
  return /\bufrag (\S+)/.exec(candidate)?.[1] ?? null;
}
