import { describe, expect, it } from 'vitest';
import { zPhotoEventRequest, zSetRecordingRequest } from '../../src/lib/schemas';

const consultId = 'A'.repeat(20);
const photoId = 'photo-0123456789';
const received = { consultId, event: 'received', photoId, site: ' Calcanhar esquerdo ', requested: true, sha256: 'a'.repeat(64), bytes: 1000, width: 640, height: 480 };
const file = { sha256: 'b'.repeat(64), bytes: 8 * 1024 ** 3, durationMs: 0, mimeType: 'video/webm;codecs=vp8,opus' };
const stop = { consultId, action: 'stop', recordingId: 'rec_0123456789', reason: 'ended', file };

describe('photoEvent input', () => {
  it('takes each event with its own fields, trimming the site', () => {
    expect(zPhotoEventRequest.parse(received)).toMatchObject({ site: 'Calcanhar esquerdo' });
    expect(zPhotoEventRequest.parse({ consultId, event: 'requested', photoId, site: null })).toMatchObject({ event: 'requested' });
    expect(zPhotoEventRequest.safeParse({ consultId, event: 'declined', photoId, site: 'Sacro' }).success).toBe(true);
  });

  it('refuses the received fields on a request, a blank or controlled site, and sizes out of bounds', () => {
    const bad = [
      { ...received, event: 'requested' },
      { ...received, site: '   ' },
      { ...received, site: 'Sacro\u0007' },
      { ...received, site: 'x'.repeat(61) },
      { ...received, sha256: 'A'.repeat(64) },
      { ...received, bytes: 0 },
      { ...received, bytes: 4 * 1024 * 1024 + 1 },
      { ...received, width: 16_385 },
      { ...received, height: 1.5 },
      { ...received, photoId: 'short' },
    ];
    for (const input of bad) expect(zPhotoEventRequest.safeParse(input).success, JSON.stringify(input).slice(0, 120)).toBe(false);
  });
});

describe('setRecording input', () => {
  it('takes a start, and a stop with or without its file', () => {
    expect(zSetRecordingRequest.parse({ consultId, action: 'start', recordingId: 'rec_0123456789' })).toMatchObject({ action: 'start' });
    expect(zSetRecordingRequest.parse(stop)).toMatchObject({ file });
    expect(zSetRecordingRequest.parse({ ...stop, file: null })).toMatchObject({ file: null });
    for (const mimeType of ['audio/webm', 'video/mp4; codecs="avc1.42E01E, mp4a.40.2"', 'video/x-matroska;codecs=avc1']) {
      expect(zSetRecordingRequest.safeParse({ ...stop, file: { ...file, mimeType } }).success, mimeType).toBe(true);
    }
  });

  it('refuses odd media types, sizes and durations out of bounds, and a start with stop fields', () => {
    for (const mimeType of ['image/png', 'video/webm;\ncodecs=vp8', 'video/webm\r\nX: 1', 'video/webm;codecs=<b>', 'text/html', 'video/', `video/webm;codecs=${'v'.repeat(90)}`]) {
      expect(zSetRecordingRequest.safeParse({ ...stop, file: { ...file, mimeType } }).success, mimeType).toBe(false);
    }
    expect(zSetRecordingRequest.safeParse({ ...stop, file: { ...file, bytes: 8 * 1024 ** 3 + 1 } }).success).toBe(false);
    expect(zSetRecordingRequest.safeParse({ ...stop, file: { ...file, durationMs: 12 * 3_600_000 + 1 } }).success).toBe(false);
    expect(zSetRecordingRequest.safeParse({ ...stop, reason: 'bored' }).success).toBe(false);
    expect(zSetRecordingRequest.safeParse({ consultId, action: 'start', recordingId: 'rec_0123456789', reason: 'clinician' }).success).toBe(false);
  });
});
