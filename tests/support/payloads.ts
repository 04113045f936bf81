// Deterministic malformed payloads for every callable, derived from each callable's valid shape.
// Bodies are raw JSON text of the callable protocol (`{"data": …}`), so keys such as
// `__proto__` reach the server as written instead of being eaten by a JS object literal.

import type { CallableName as AnyCallableName } from '../../functions/src/lib/api';

/** Every callable a deploy has (benchNoop exists only in the emulator). */
export type CallableName = Exclude<AnyCallableName, 'benchNoop'>;

export const CALLABLE_NAMES: readonly CallableName[] = [
  'scheduleConsult',
  'cancelConsult',
  'rescheduleConsult',
  'announceDelay',
  'reissueInvite',
  'redeemInvite',
  'recordConsent',
  'withdrawConsent',
  'identifyPatient',
  'confirmIdentity',
  'saveRecord',
  'photoEvent',
  'setRecording',
  'admitPatient',
  'endConsult',
  'getIceServers',
];

/** What a field holds, which decides which wrong values are certainly wrong for it. */
export type FieldKind =
  | 'consultId'
  | 'secret'
  | 'patientLabel'
  | 'scheduledFor'
  | 'durationMinutes'
  | 'version'
  | 'locale'
  | 'textHash'
  | 'recording'
  | 'delayMinutes'
  | 'delayNote'
  | 'fullName'
  | 'birthDate'
  | 'cpf'
  | 'identityDocument'
  | 'correction'
  | 'recordText'
  | 'recordMode'
  | 'mediaId'
  | 'photoEvent'
  | 'photoSite'
  | 'mediaFlag'
  | 'sha256'
  | 'photoBytes'
  | 'photoSide'
  | 'recordingAction'
  | 'recordingReason'
  | 'recordingFile'
  | 'recordingBytes'
  | 'recordingDuration'
  | 'mimeType';

/**
 * Kinds whose field takes null as a value (no delay minutes, no note, no document, no
 * correction; no CPF where the clinic does not ask, or in a clinician's correction).
 */
const NULLABLE: ReadonlySet<FieldKind> = new Set<FieldKind>(['delayMinutes', 'delayNote', 'cpf', 'identityDocument', 'correction', 'photoSite', 'recordingFile']);

/** Free-text kinds where an empty or blank string is a valid value (no note, no document, an empty draft). */
const BLANK_ALLOWED: ReadonlySet<FieldKind> = new Set<FieldKind>(['delayNote', 'identityDocument', 'recordText']);

/** The fields of a patient identity, as identifyPatient takes them and a correction nests them. */
export const IDENTITY_FIELDS: Record<string, FieldKind> = { fullName: 'fullName', birthDate: 'birthDate', cpf: 'cpf' };

/** What a stopped recording carries about its file (setRecording's `file`). */
export const RECORDING_FILE_FIELDS: Record<string, FieldKind> = { sha256: 'sha256', bytes: 'recordingBytes', durationMs: 'recordingDuration', mimeType: 'mimeType' };

/** Object-valued kinds and the fields they nest, each swept like a top-level one. */
const NESTED_FIELDS: Partial<Record<FieldKind, Record<string, FieldKind>>> = { correction: IDENTITY_FIELDS, recordingFile: RECORDING_FILE_FIELDS };

/** Request fields of each callable (functions/src/lib/api.ts). */
export const CALLABLE_FIELDS: Record<CallableName, Record<string, FieldKind>> = {
  scheduleConsult: { patientLabel: 'patientLabel', scheduledFor: 'scheduledFor', durationMinutes: 'durationMinutes' },
  cancelConsult: { consultId: 'consultId' },
  rescheduleConsult: { consultId: 'consultId', scheduledFor: 'scheduledFor' },
  announceDelay: { consultId: 'consultId', minutes: 'delayMinutes', note: 'delayNote' },
  reissueInvite: { consultId: 'consultId' },
  redeemInvite: { consultId: 'consultId', secret: 'secret' },
  recordConsent: { consultId: 'consultId', version: 'version', locale: 'locale', textHash: 'textHash', recording: 'recording' },
  withdrawConsent: { consultId: 'consultId' },
  admitPatient: { consultId: 'consultId' },
  endConsult: { consultId: 'consultId' },
  getIceServers: { consultId: 'consultId' },
  identifyPatient: { consultId: 'consultId', ...IDENTITY_FIELDS },
  confirmIdentity: { consultId: 'consultId', document: 'identityDocument', correction: 'correction' },
  saveRecord: { consultId: 'consultId', text: 'recordText', mode: 'recordMode' },
  // Swept from a `received` event: every field of the widest variant.
  photoEvent: {
    consultId: 'consultId',
    event: 'photoEvent',
    photoId: 'mediaId',
    site: 'photoSite',
    requested: 'mediaFlag',
    sha256: 'sha256',
    bytes: 'photoBytes',
    width: 'photoSide',
    height: 'photoSide',
  },
  // Swept from a `stop` with its file.
  setRecording: { consultId: 'consultId', action: 'recordingAction', recordingId: 'mediaId', reason: 'recordingReason', file: 'recordingFile' },
};

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * `invalid-argument`: the request is malformed whatever the database holds, so the edge must say so.
 * `typed`: well-formed but wrong (an unknown or foreign consult, a wrong secret): any typed error.
 */
export type Expectation = 'invalid-argument' | 'typed';

export interface MalformedPayload {
  /** Short description, unique per callable, for failure messages. */
  label: string;
  /** Raw request body sent with Content-Type: application/json. */
  body: string;
  expect: Expectation;
}

export interface PayloadContext {
  /** A request this caller could really make (it must not be sent as is). */
  valid: Record<string, Json>;
  /** A real consult the caller has no part in. */
  foreignConsultId?: string;
  seed?: number;
}

/** mulberry32: small, fast and the same on every run for the same seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomString(rand: () => number, length: number, alphabet = ALNUM): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(rand() * alphabet.length)];
  return out;
}

/** A string that looks exactly like a consult id but names no consult. */
export function unknownConsultId(rand: () => number): string {
  return randomString(rand, 20);
}

export function stringSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

const HUGE = 'x'.repeat(100 * 1024);

const BOOLEAN: ReadonlySet<FieldKind> = new Set<FieldKind>(['recording', 'mediaFlag']);

const NUMERIC: ReadonlySet<FieldKind> = new Set<FieldKind>([
  'durationMinutes',
  'delayMinutes',
  'photoBytes',
  'photoSide',
  'recordingBytes',
  'recordingDuration',
]);

/** Values of the wrong JSON type for a field holding `kind`. */
function wrongTypes(kind: FieldKind, valid: Json): Array<[string, Json]> {
  const all: Array<[string, Json]> = [
    ['number 42', 42],
    ['huge number', 1e308],
    ['fraction', 0.5],
    ['true', true],
    ['null', null],
    ['empty array', []],
    ['array of the valid value', [valid]],
    ['object wrapping the valid value', { value: valid }],
    ['string', 'some text'],
    ['numeric string', '30'],
  ];
  const numeric = NUMERIC.has(kind);
  const bool = BOOLEAN.has(kind);
  // A correction is an object: anything else (strings included) is the wrong type, as is an
  // object wrapping it (its schema is strict).
  const object = kind in NESTED_FIELDS;
  return all.filter(([, value]) => {
    if (value === null && NULLABLE.has(kind)) return false;
    if (object) return true;
    if (numeric) return typeof value !== 'number';
    if (bool) return typeof value !== 'boolean';
    return typeof value !== 'string';
  });
}

/**
 * Strings no field of that kind can accept (see functions/src/lib/schemas.ts: ids, secrets,
 * versions and hashes have exact patterns; a label is free text without control characters).
 */
function badStrings(kind: FieldKind, valid: Json, rand: () => number): Array<[string, Json]> {
  const v = typeof valid === 'string' ? valid : 'value';
  const out: Array<[string, Json]> = [
    ['100 KB string', HUGE],
    ['lone high surrogate', `${v}\ud800`],
    ['lone low surrogate', `\udc00${v}`],
    ['reversed surrogate pair', `${v}\udc00\ud800`],
    ['empty string', ''],
    ['whitespace only', ' \t\n '],
    ['RTL override inside', `${v.slice(0, 4)}\u202e${v.slice(4)}`],
    ['NUL inside', `${v.slice(0, 4)}\u0000${v.slice(4)}`],
  ];
  // A patient's name or reference may legitimately hold emoji, accents or a zero-width joiner.
  if (kind === 'patientLabel') {
    out.push(['88 characters', 'Paciente'.repeat(11)], ['line separator inside', `${v}\u2028x`], ['escape sequence', `${v}\u001b[31m`]);
    return out;
  }
  // A delay note is free text too, and an empty one means "no note".
  if (kind === 'delayNote') {
    out.push(['150 characters', 'Atrasada '.repeat(17)], ['line separator inside', `${v}\u2028x`], ['escape sequence', `${v}\u001b[31m`]);
    return out.filter(([label]) => label !== 'empty string' && label !== 'whitespace only');
  }
  // A patient's full name: free text of 3 to 120 characters on one line (accents, apostrophes and emoji are names too).
  if (kind === 'fullName') {
    out.push(
      ['two characters', 'Jo'],
      ['121 characters', 'Conceição '.repeat(12) + 'R'],
      ['line separator inside', `${v}\u2028x`],
      ['line feed inside', `${v.slice(0, 4)}\n${v.slice(4)}`],
      ['tab inside', `${v.slice(0, 4)}\t${v.slice(4)}`],
      ['escape sequence', `${v}\u001b[31m`],
      ['bidi isolate inside', `${v.slice(0, 4)}\u2066${v.slice(4)}`],
    );
    return out;
  }
  // The document the patient showed: free text up to 80 characters on one line; blank means none.
  if (kind === 'identityDocument') {
    out.push(
      ['81 characters', 'RG 12.345.678-9 '.repeat(5) + 'X'],
      ['line separator inside', `${v}\u2028x`],
      ['line feed inside', `${v.slice(0, 4)}\n${v.slice(4)}`],
      ['escape sequence', `${v}\u001b[31m`],
    );
    return out.filter(([label]) => label !== 'empty string' && label !== 'whitespace only');
  }
  // The clinical note: multi-line free text up to 20 000 characters; an empty draft is a draft.
  // Line breaks and tabs are allowed, every other control character is not.
  if (kind === 'recordText') {
    out.push(
      ['20 001 characters', 'x'.repeat(20_001)],
      ['line separator inside', `${v}\u2028x`],
      ['escape sequence', `${v}\u001b[31m`],
      ['bell inside', `${v.slice(0, 4)}\u0007${v.slice(4)}`],
      ['vertical tab inside', `${v.slice(0, 4)}\u000b${v.slice(4)}`],
      ['DEL inside', `${v}\u007f`],
      ['C1 control inside', `${v}\u0085`],
      ['bidi isolate inside', `${v.slice(0, 4)}\u2066${v.slice(4)}`],
    );
    return out.filter(([label]) => label !== 'empty string' && label !== 'whitespace only');
  }
  // A wound's site ("calcanhar esquerdo"): one line of up to 60 characters, trimmed; null means none.
  if (kind === 'photoSite') {
    out.push(
      ['61 characters', 'Calcanhar '.repeat(6) + 'E'],
      ['line separator inside', `${v}\u2028x`],
      ['line feed inside', `${v.slice(0, 4)}\n${v.slice(4)}`],
      ['escape sequence', `${v}\u001b[31m`],
      ['bidi isolate inside', `${v.slice(0, 4)}\u2066${v.slice(4)}`],
    );
    return out;
  }
  // A CPF may be typed with its dots, dash and spaces (they are taken out), so a trailing space
  // or a line separator (\s) leaves a valid one: those are not in this list.
  if (kind === 'cpf') {
    out.push(
      ['zero-width space inside', `${v.slice(0, 4)}\u200b${v.slice(4)}`],
      ['emoji inside', `${v.slice(0, 4)}🩹${v.slice(4)}`],
      ['SQL-ish', `${v}' OR '1'='1`],
      ['random junk', randomString(rand, 12, 'äöü€¿¡ßøπ∑≈ç√∫µ≤≥÷')],
      ['second check digit off by one', `${v.slice(0, -1)}${(Number(v.slice(-1)) + 1) % 10}`],
      ['ten digits', '5299822472'],
      ['twelve digits', '529982247250'],
      ['one digit eleven times', '111.111.111-11'],
      ['letters', 'abc.def.ghi-jk'],
      ['full-width digits', '５２９９８２２４７２５'],
      ['a CNPJ', '11.222.333/0001-81'],
      ['21 characters', `${v}${' '.repeat(7)}`],
    );
    return out;
  }
  out.push(
    ['zero-width space inside', `${v.slice(0, 4)}\u200b${v.slice(4)}`],
    ['emoji inside', `${v.slice(0, 4)}🩹${v.slice(4)}`],
    ['trailing space', `${v} `],
    ['SQL-ish', `${v}' OR '1'='1`],
    ['random junk', randomString(rand, 12, 'äöü€¿¡ßøπ∑≈ç√∫µ≤≥÷')],
  );
  if (kind === 'consultId') {
    out.push(
      ['id with a slash', `${v.slice(0, 10)}/${v.slice(11)}`],
      ['parent path', '..'],
      ['path traversal', `../../audit/${v}`],
      ['document path', `consults/${v}`],
      ['1500-char id', randomString(rand, 1500)],
      ['19-char id', v.slice(0, 19)],
      ['21-char id', `${v}x`],
      ['full-width digits', `${v.slice(0, 17)}１２３`],
      ['Cyrillic homoglyph', `${v.slice(0, 19)}а`],
      ['reserved id', '__consult__'],
    );
  }
  if (kind === 'secret') out.push(['42-char secret', v.slice(0, 42)], ['secret with padding', `${v}=`], ['base64 alphabet', `${v.slice(0, 41)}+/`]);
  if (kind === 'textHash') out.push(['uppercase hash', v.toUpperCase()], ['63 hex digits', v.slice(0, 63)]);
  if (kind === 'version') out.push(['version with a time', `${v}T00:00:00Z`]);
  if (kind === 'scheduledFor') {
    out.push(
      ['30 February', '2026-02-30T10:00:00-03:00'],
      ['year 99999', '+099999-01-01T10:00:00-03:00'],
      ['hour 25', '2026-11-25T25:00:00-03:00'],
      ['no offset', v.replace(/([+-]\d{2}:\d{2}|Z)$/, '')],
      ['date only', v.slice(0, 10)],
      ['not a date', 'tomorrow at ten'],
      ['offset out of range', '2026-11-25T10:00:00+25:00'],
      ['400 days after the valid date', new Date(Date.parse(v) + 400 * 86_400_000).toISOString()],
      ['a week before the valid date', new Date(Date.parse(v) - 7 * 86_400_000).toISOString()],
    );
  }
  if (kind === 'locale') out.push(['unknown locale', 'xx-YY'], ['case changed', 'PT-br'], ['language only', 'pt']);
  // The schema takes YYYY-MM-DD; the function then checks the day exists, is not in the future
  // and is at most 130 years back (so the future here is fixed and far: the list never changes).
  if (kind === 'birthDate') {
    out.push(
      ['30 February', '1958-02-30'],
      ['month 13', '1958-13-01'],
      ['day 00', '1958-03-00'],
      ['year 0000', '0000-01-01'],
      ['in the future', '2999-01-01'],
      ['over 130 years back', '1850-01-01'],
      ['Brazilian order', '12/03/1958'],
      ['with a time', `${v}T00:00:00Z`],
      ['two-digit year', v.slice(2)],
      ['no leading zeros', v.replace(/-0/g, '-')],
      ['slashes', v.replace(/-/g, '/')],
      ['full-width digits', '１９５８-03-12'],
    );
  }
  if (kind === 'mediaId') {
    out.push(
      ['11-char id', v.slice(0, 11)],
      ['41-char id', `${v}${'x'.repeat(41 - v.length)}`],
      ['id with a dot', `${v.slice(0, 6)}.${v.slice(7)}`],
      ['id with a slash', `${v.slice(0, 6)}/${v.slice(7)}`],
      ['path traversal', `../${v}`],
    );
  }
  if (kind === 'sha256') {
    out.push(['uppercase hash', v.toUpperCase()], ['63 hex digits', v.slice(0, 63)], ['65 hex digits', `${v}a`], ['not hex', `${v.slice(0, 63)}g`], ['base64 of a hash', 'q'.repeat(43) + '=']);
  }
  if (kind === 'mimeType') {
    out.push(
      ['an image type', 'image/jpeg'],
      ['text/html', 'text/html'],
      ['no subtype', 'video/'],
      ['101 characters', `video/webm;codecs=${'v'.repeat(83)}`],
      ['line feed inside', 'video/webm;\ncodecs=vp8'],
      ['header injection', 'video/webm\r\nX-Evil: 1'],
      ['script inside', 'video/webm;codecs=<script>'],
    );
  }
  if (kind === 'photoEvent' || kind === 'recordingAction' || kind === 'recordingReason') {
    out.push(['case changed', v.toUpperCase()], ['unknown value', 'deleted'], ['in Portuguese', kind === 'photoEvent' ? 'recebida' : 'parar']);
  }
  if (kind === 'recordMode') {
    out.push(['case changed', v.toUpperCase()], ['unknown mode', 'publish'], ['mode in Portuguese', 'rascunho'], ['two modes', 'draft,sign']);
  }
  return out;
}

/**
 * Objects a nested field cannot take: for a correction, its identity made wrong one field at a
 * time (missing, the wrong type, a bad string: what identifyPatient's fields refuse), or given
 * an extra field. A correction's CPF may be null, as the clinician may not know it.
 */
function badObjects(kind: FieldKind, valid: Json, rand: () => number): Array<[string, Json]> {
  const fields = NESTED_FIELDS[kind];
  if (!fields || valid === null || typeof valid !== 'object' || Array.isArray(valid)) return [];
  const out: Array<[string, Json]> = [['empty object', {}]];
  if (kind === 'correction') {
    out.push(['with an extra field', { ...valid, statedBy: 'clinician' }], ['with confirmedAt smuggled in', { ...valid, confirmedAt: '2026-01-01T00:00:00Z' }]);
  } else {
    out.push(['with an extra field', { ...valid, url: 'https://example.invalid/f.webm' }], ['with the file itself smuggled in', { ...valid, data: 'GkXfo59ChoEBQveBAULygQRC84EIQoKEd2VibUKHgQRChYECGFOAZwH' }]);
  }
  for (const [field, inner] of Object.entries(fields)) {
    const v = valid[field] ?? null;
    out.push([`${field} missing`, without(valid, field)]);
    for (const [label, value] of wrongTypes(inner, v)) out.push([`${field} as ${label}`, withField(valid, field, value)]);
    if (typeof v === 'string') {
      for (const [label, value] of badStrings(inner, v, rand)) out.push([`${field}: ${label}`, withField(valid, field, value)]);
    }
    for (const [label, value] of badNumbers(inner)) out.push([`${field}: ${label}`, withField(valid, field, value)]);
  }
  return out;
}

function badNumbers(kind: FieldKind): Array<[string, Json]> {
  if (kind === 'delayMinutes') {
    return [['zero minutes', 0], ['7 minutes', 7], ['negative minutes', -5], ['fractional minutes', 5.5], ['an hour', 60], ['huge number', 1e308]];
  }
  if (kind === 'photoBytes' || kind === 'recordingBytes') {
    const max = kind === 'photoBytes' ? 4 * 1024 * 1024 : 8 * 1024 ** 3;
    return [['zero bytes', 0], ['negative bytes', -1], ['fractional bytes', 10.5], ['one byte over the limit', max + 1], ['huge number', 1e308]];
  }
  if (kind === 'photoSide') return [['zero pixels', 0], ['negative pixels', -640], ['fractional pixels', 640.5], ['16 385 pixels', 16_385]];
  if (kind === 'recordingDuration') return [['negative duration', -1], ['fractional duration', 1000.5], ['over 12 hours', 12 * 3_600_000 + 1], ['huge number', 1e308]];
  if (kind !== 'durationMinutes') return [];
  return [
    ['zero minutes', 0],
    ['negative minutes', -30],
    ['fractional minutes', 12.5],
    ['a year of minutes', 525_600],
    ['huge number', 1e308],
    ['beyond safe integers', 2 ** 60],
  ];
}

const json = (value: Json): string => JSON.stringify(value);

/** `{"data": <text>}` from already-serialised data. */
function wrap(dataText: string): string {
  return `{"data":${dataText}}`;
}

/** An object literal from raw key/value texts, keeping keys such as __proto__ as written. */
function rawObject(entries: Array<[string, string]>): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

function nested(depth: number, leaf: string): string {
  return '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
}

function withField(valid: Record<string, Json>, field: string, value: Json): Record<string, Json> {
  return { ...valid, [field]: value };
}

function without(valid: Record<string, Json>, field: string): Record<string, Json> {
  const copy = { ...valid };
  delete copy[field];
  return copy;
}

/**
 * At least 50 malformed requests for `name`, each changing one thing of the valid request
 * (so a wrong answer points at one cause), plus whole-body junk and seeded random mutations.
 */
export function malformedPayloads(name: CallableName, ctx: PayloadContext): MalformedPayload[] {
  const rand = prng(ctx.seed ?? stringSeed(name));
  const fields = CALLABLE_FIELDS[name];
  const valid = ctx.valid;
  const out: MalformedPayload[] = [];
  const add = (label: string, body: string, expect: Expectation = 'invalid-argument') => out.push({ label, body, expect });
  const addData = (label: string, data: Json, expect: Expectation = 'invalid-argument') => add(label, wrap(json(data)), expect);
  const validEntries = Object.entries(valid).map(([k, v]): [string, string] => [k, json(v)]);

  // The whole of `data`.
  addData('data is null', null);
  addData('data is an empty object', {});
  addData('data is an array of the valid request', [valid]);
  addData('data is an empty array', []);
  addData('data is a string', 'consult');
  addData('data is a number', 7);
  addData('data is true', true);
  add('body has no data field', json({ consultId: valid['consultId'] ?? null } as Json));

  for (const [field, kind] of Object.entries(fields)) {
    const v = valid[field] ?? null;
    addData(`${field} missing`, without(valid, field));
    for (const [label, value] of wrongTypes(kind, v)) addData(`${field} as ${label}`, withField(valid, field, value));
    if (typeof v === 'string') {
      for (const [label, value] of badStrings(kind, v, rand)) addData(`${field}: ${label}`, withField(valid, field, value));
    }
    for (const [label, value] of badNumbers(kind)) addData(`${field}: ${label}`, withField(valid, field, value));
    for (const [label, value] of badObjects(kind, v, rand)) addData(`${field}.${label}`, withField(valid, field, value));
    addData(`${field} as 50-level nested object`, withField(valid, field, JSON.parse(nested(50, '"x"')) as Json));
    add(`${field} holds a __proto__ object`, wrap(rawObject(validEntries.map(([k, t]) => [k, k === field ? rawObject([['__proto__', t]]) : t]))));
  }

  if (fields['consultId']) {
    for (let i = 0; i < 3; i++) addData(`unknown consult id #${i + 1}`, withField(valid, 'consultId', unknownConsultId(rand)), 'typed');
    if (ctx.foreignConsultId) addData('another clinician’s consult', withField(valid, 'consultId', ctx.foreignConsultId), 'typed');
  }
  if (fields['secret']) {
    const secret = typeof valid['secret'] === 'string' ? valid['secret'] : '';
    addData('secret off by one character', withField(valid, 'secret', `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`), 'typed');
    addData('secret of random characters', withField(valid, 'secret', randomString(rand, 43, `${ALNUM}-_`)), 'typed');
  }
  if (fields['version']) addData('consent version that never existed', withField(valid, 'version', '1999-01-01'), 'typed');
  if (fields['textHash']) addData('hash of some other text', withField(valid, 'textHash', 'ab'.repeat(32)), 'typed');

  // Unknown fields, including ones that name document fields a caller must never set.
  addData('an unknown extra field', { ...valid, extra: 1 });
  addData('patientUid smuggled in', { ...valid, patientUid: 'attacker' });
  addData('status smuggled in', { ...valid, status: 'admitted' });
  addData('clinicianUid smuggled in', { ...valid, clinicianUid: 'attacker' });
  addData('auditHead smuggled in', { ...valid, auditHead: { seq: 0, hash: '0'.repeat(64) } });
  addData('1000 extra fields', { ...valid, ...Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])) });

  // Keys that reach prototypes: sent as raw text so the key survives to the server.
  add('whole request inside __proto__', wrap(rawObject([['__proto__', json(valid)]])));
  add('valid request plus __proto__ object', wrap(rawObject([...validEntries, ['__proto__', json({ role: 'admin', isAdmin: true })]])));
  add('valid request plus empty __proto__', wrap(rawObject([...validEntries, ['__proto__', '{}']])));
  add('valid request plus constructor.prototype', wrap(rawObject([...validEntries, ['constructor', json({ prototype: { role: 'admin' } })]])));
  add('valid request plus prototype key', wrap(rawObject([...validEntries, ['prototype', json({ role: 'admin' })]])));
  add('__proto__ inside an array', wrap(`[${rawObject([['__proto__', json(valid)]])}]`));

  // Nesting.
  add('data nested 50 levels', wrap(nested(50, json(valid))));
  add('valid request plus a 50-level nested field', wrap(rawObject([...validEntries, ['junk', nested(50, '1')]])));
  add('arrays nested 50 levels', wrap('['.repeat(50) + json(valid) + ']'.repeat(50)));

  // Seeded random mutations: one field replaced by a junk value no field accepts.
  const junk: Json[] = [null, -1, 1e21, 3.14159, true, [], {}, [[[]]], '', ' ', '\ud83d', '\u202e\u0000', { $gt: '' }, ['a', 1, null]];
  const fieldNames = Object.keys(fields);
  for (let i = 0; i < 6; i++) {
    const field = fieldNames[Math.floor(rand() * fieldNames.length)]!;
    // null means "none" in a nullable field, and an empty note means no note (an empty draft, no
    // document): both are valid there; and true is a flag's value.
    const kind = fields[field]!;
    const choices = junk.filter(
      (j) =>
        !(j === null && NULLABLE.has(kind)) &&
        !(typeof j === 'string' && j.trim() === '' && BLANK_ALLOWED.has(kind)) &&
        !(typeof j === 'boolean' && BOOLEAN.has(kind)),
    );
    const value = choices[Math.floor(rand() * choices.length)]!;
    addData(`random mutation #${i + 1}: ${field} = ${JSON.stringify(value)}`, withField(valid, field, value));
  }

  return out;
}

/**
 * A `__proto__` key whose value is null or not an object: firebase-functions decodes `data` by
 * assignment (`obj[k] = …`), so the key vanishes (a primitive) or empties the prototype (null)
 * before our edge sees it, and the request reads as the valid one it carries.
 */
export function vanishingPrototypeKeys(valid: Record<string, Json>): MalformedPayload[] {
  const entries = Object.entries(valid).map(([k, v]): [string, string] => [k, json(v)]);
  return [
    { label: 'valid request plus "__proto__": null', body: wrap(rawObject([...entries, ['__proto__', 'null']])), expect: 'invalid-argument' },
    { label: 'valid request plus "__proto__": 1', body: wrap(rawObject([...entries, ['__proto__', '1']])), expect: 'invalid-argument' },
    { label: 'valid request plus "__proto__": "x"', body: wrap(rawObject([...entries, ['__proto__', '"x"']])), expect: 'invalid-argument' },
  ];
}
