// Wound photos and the recording on the clinician's side of one consult. The photos arrive over
// the call (see call/photo.ts) and stay in this page's memory until the clinician saves them to
// the device; the recording is made here (call/recorder.ts) and saved here. What reaches the
// server is what the audit chain needs: that a photo was asked for, declined or received, with
// its hash, and when the recording started and stopped, with the file's hash.
import { computed, effect, signal, type ReadonlySignal } from '@preact/signals';
import { collection, onSnapshot } from 'firebase/firestore';
import type { SetRecordingRequest } from '../../../functions/src/lib/api';
import { PHOTO_CONSENT_VERSION, consentVersionAtLeast, type ConsentDoc } from '../../../functions/src/lib/model';
import { sha256Hex } from '../call/hex';
import { newPhotoId, type PhotoAsk, type PhotoTransfer } from '../call/photo';
import { recordingSupported, startRecorder, type Recorder } from '../call/recorder';
import { clinicWallTimeOf } from '../clinicTime';
import { db } from '../db';
import { callable } from '../firebase';
import { withRetry } from '../retry';
import type { Call } from './call';
import type { Consult } from './consult';
import { describeError, reasonOf } from './errors';
import { t } from '../i18n';

/** Refusals that mean the photo must not be kept: no consent covers it. */
const UNCONSENTED = new Set(['consent_outdated', 'consent_withdrawn', 'consent_required']);

const photoEventCall = callable('photoEvent');
const setRecordingCall = callable('setRecording');

/** A photo kept in this page: shown, zoomed and saved from here. */
export interface GalleryPhoto {
  id: string;
  site: string | null;
  requested: boolean;
  sha256: string;
  bytes: number;
  width: number;
  height: number;
  takenAt: Date;
  receivedAt: Date;
  url: string;
  blob: Blob;
  /** The audit entry's seq once recorded; an error text if it could not be. */
  audit: { seq: number } | { error: string } | 'pending';
  saved: boolean;
}

export interface RecordingNow {
  id: string;
  startedAt: number;
  recorder: Recorder | null;
}

export interface SavedRecording {
  id: string;
  url: string;
  blob: Blob;
  sha256: string;
  durationMs: number;
  fileName: string;
  saved: boolean;
}

/** Both participants' consents as the room reads them, with whether each was withdrawn. */
export interface Consents {
  patient: (ConsentDoc<unknown> & { withdrawn: boolean }) | null;
  clinician: (ConsentDoc<unknown> & { withdrawn: boolean }) | null;
}

export type PhotoBlock = 'consent_missing' | 'consent_outdated' | 'withdrawn' | null;
export type RecordingBlock = 'patient' | 'clinician' | 'both' | 'unsupported' | null;

function slug(text: string | null): string {
  if (!text) return 'foto';
  const s = text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return s.slice(0, 40) || 'foto';
}

/** 20261202-143005, in the clinic's wall time (the time the record and the gallery show). */
function stamp(at: Date): string {
  const { date, time } = clinicWallTimeOf(at);
  return `${date.replaceAll('-', '')}-${time.replace(':', '')}${String(at.getSeconds()).padStart(2, '0')}`;
}

export function photoFileName(consultId: string, photo: Pick<GalleryPhoto, 'site' | 'takenAt'>): string {
  return `consulta-${consultId}-${slug(photo.site)}-${stamp(photo.takenAt)}.jpg`;
}

/** Hands a file to the browser's download (the clinician's device); nothing is uploaded. */
export function saveToDevice(url: string, fileName: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
}

export function createConsultMedia(consultId: string, consult: ReadonlySignal<Consult | null>, call: ReadonlySignal<Call | null>) {
  const consents = signal<Consents>({ patient: null, clinician: null });
  const gallery = signal<GalleryPhoto[]>([]);
  const asks = signal<PhotoAsk[]>([]);
  const incoming = signal<PhotoTransfer[]>([]);
  const askBusy = signal(false);
  const photoError = signal<string | null>(null);
  /** Photos received while the panel was closed. */
  const unseen = signal(0);
  const recording = signal<RecordingNow | null>(null);
  const recordingBusy = signal(false);
  const recordingError = signal<string | null>(null);
  const recordings = signal<SavedRecording[]>([]);
  const stops: Array<() => void> = [];
  /** Recordings this page closed itself: a late snapshot showing one still open is not an orphan. */
  const closedHere = new Set<string>();

  stops.push(
    onSnapshot(
      collection(db, 'consults', consultId, 'consents'),
      (snap) => {
        const byId = new Map(snap.docs.map((d) => [d.id, d.data() as ConsentDoc<unknown>]));
        const c = consult.peek();
        const of = (uid: string | null | undefined) => {
          const doc = uid ? byId.get(uid) : undefined;
          return doc && uid ? { ...doc, withdrawn: byId.has(`${uid}-withdrawal`) } : null;
        };
        consents.value = { patient: of(c?.patientUid), clinician: of(c?.clinicianUid) };
      },
      () => undefined,
    ),
  );

  const photoBlock = computed<PhotoBlock>(() => {
    const p = consents.value.patient;
    if (!p) return 'consent_missing';
    if (p.withdrawn) return 'withdrawn';
    return consentVersionAtLeast(p.textVersion, PHOTO_CONSENT_VERSION) ? null : 'consent_outdated';
  });

  const recordingBlock = computed<RecordingBlock>(() => {
    if (!recordingSupported()) return 'unsupported';
    const { patient, clinician } = consents.value;
    const p = !!patient && patient.recording && !patient.withdrawn;
    const c = !!clinician && clinician.recording && !clinician.withdrawn;
    return p && c ? null : !p && !c ? 'both' : !p ? 'patient' : 'clinician';
  });

  async function auditReceived(photo: PhotoTransfer & { blob: Blob }) {
    const update = (audit: GalleryPhoto['audit']) => (gallery.value = gallery.value.map((g) => (g.id === photo.id ? { ...g, audit } : g)));
    try {
      const { seq } = await withRetry(() =>
        photoEventCall({
          consultId, event: 'received', photoId: photo.id, site: photo.site, requested: photo.requested,
          sha256: photo.sha256, bytes: photo.bytes, width: photo.width, height: photo.height,
        }),
      );
      update({ seq });
    } catch (err) {
      // A photo the patient's consent does not cover is not kept, even in this page.
      if (UNCONSENTED.has(reasonOf(err) ?? '')) {
        const dropped = gallery.value.find((g) => g.id === photo.id);
        if (dropped) URL.revokeObjectURL(dropped.url);
        gallery.value = gallery.value.filter((g) => g.id !== photo.id);
        photoError.value = `${describeError(err)} ${t('photo.discarded')}`;
        return;
      }
      update({ error: describeError(err) });
    }
  }

  // The current call's photos: its asks and transfers shown here, what it receives kept here.
  let panelOpen = false;
  stops.push(
    effect(() => {
      const c = call.value;
      if (!c) return;
      const photos = c.session.photos;
      const unsubscribe = [
        photos.asks.subscribe((v) => (asks.value = v)),
        photos.transfers.subscribe((v) => (incoming.value = v.filter((t) => t.direction === 'in' && (t.state === 'sending' || t.state === 'checking' || t.state === 'failed')))),
        photos.onEvent((e) => {
          if (e.type === 'declined') {
            void photoEventCall({ consultId, event: 'declined', photoId: e.ask.id, site: e.ask.site }).catch((err) => (photoError.value = describeError(err)));
            return;
          }
          const p = e.photo;
          if (gallery.value.some((g) => g.id === p.id)) return;
          gallery.value = [
            ...gallery.value,
            {
              id: p.id, site: p.site, requested: p.requested, sha256: p.sha256, bytes: p.bytes, width: p.width, height: p.height,
              takenAt: new Date(p.takenAt), receivedAt: new Date(), url: URL.createObjectURL(p.blob), blob: p.blob, audit: 'pending', saved: false,
            },
          ];
          if (!panelOpen) unseen.value += 1;
          // The call keeps its copy only until the gallery has it.
          photos.forget(p.id);
          void auditReceived(p);
        }),
      ];
      asks.value = photos.asks.get();
      return () => unsubscribe.forEach((u) => u());
    }),
  );

  async function ask(site: string | null): Promise<boolean> {
    const c = call.peek();
    if (!c) return false;
    askBusy.value = true;
    photoError.value = null;
    try {
      const photoId = newPhotoId();
      // Into the chain first: an ask the patient sees is always on record.
      await photoEventCall({ consultId, event: 'requested', photoId, site });
      c.session.photos.ask(site, photoId);
      return true;
    } catch (err) {
      photoError.value = describeError(err);
      return false;
    } finally {
      askBusy.value = false;
    }
  }

  function markSaved(id: string) {
    const photo = gallery.value.find((g) => g.id === id);
    if (!photo) return;
    saveToDevice(photo.url, photoFileName(consultId, photo));
    gallery.value = gallery.value.map((g) => (g.id === id ? { ...g, saved: true } : g));
  }

  async function startRecording(): Promise<void> {
    const c = call.peek();
    if (!c || recording.peek() || recordingBusy.peek()) return;
    recordingBusy.value = true;
    recordingError.value = null;
    const id = newPhotoId();
    // Known before the server answers, so the consult's "on" is never mistaken for an orphan.
    recording.value = { id, startedAt: Date.now(), recorder: null };
    try {
      await setRecordingCall({ consultId, action: 'start', recordingId: id });
      recording.value = { id, startedAt: Date.now(), recorder: startRecorder(c.localStream, c.session.remoteStream) };
    } catch (err) {
      recording.value = null;
      recordingError.value = describeError(err);
    } finally {
      recordingBusy.value = false;
    }
  }

  /** Stops the recorder, saves the file to the device and puts its hash into the chain. */
  async function stopRecording(reason: Extract<SetRecordingRequest, { action: 'stop' }>['reason']): Promise<void> {
    const now = recording.peek();
    if (!now || !now.recorder) return;
    recording.value = { ...now, recorder: null };
    closedHere.add(now.id);
    recordingBusy.value = true;
    try {
      const file = await now.recorder.stop();
      const sha256 = await sha256Hex(await file.blob.arrayBuffer());
      const fileName = `consulta-${consultId}-gravacao-${stamp(new Date(now.startedAt))}.${file.mimeType.includes('mp4') ? 'mp4' : 'webm'}`;
      const url = URL.createObjectURL(file.blob);
      saveToDevice(url, fileName);
      recordings.value = [...recordings.value, { id: now.id, url, blob: file.blob, sha256, durationMs: file.durationMs, fileName, saved: true }];
      await withRetry(() =>
        setRecordingCall({
          consultId, action: 'stop', recordingId: now.id, reason,
          file: file.blob.size > 0 ? { sha256, bytes: file.blob.size, durationMs: Math.round(file.durationMs), mimeType: file.mimeType } : null,
        }),
      );
    } catch (err) {
      recordingError.value = describeError(err);
    } finally {
      recording.value = null;
      recordingBusy.value = false;
    }
  }

  // The server turned the recording off (the consult ended, consent was withdrawn): stop at once.
  // A recording the server has open that this page is not making (the page was reloaded while
  // recording) is closed as failed: what was recorded went with the old page.
  stops.push(
    effect(() => {
      const c = consult.value;
      const mine = recording.value;
      const server = c?.recording ?? null;
      if (mine?.recorder && server?.id === mine.id && !server.on) {
        void stopRecording(c?.endReason === 'consent_withdrawn' ? 'consent_withdrawn' : 'ended');
      } else if (server && !server.closed && (!mine || mine.id !== server.id) && !closedHere.has(server.id) && !recordingBusy.peek()) {
        closedHere.add(server.id);
        recordingBusy.value = true;
        void setRecordingCall({ consultId, action: 'stop', recordingId: server.id, reason: 'failed', file: null })
          .then(() => (recordingError.value = null))
          .catch(() => undefined)
          .finally(() => (recordingBusy.value = false));
        recordingError.value = null;
      }
    }),
  );

  // Photos not yet saved and a recording under way live only in this page: say so before it closes.
  const unsaved = computed(() => gallery.value.some((g) => !g.saved) || recording.value !== null);
  const onBeforeUnload = (e: BeforeUnloadEvent) => {
    if (!unsaved.peek()) return;
    e.preventDefault();
    e.returnValue = '';
  };
  window.addEventListener('beforeunload', onBeforeUnload);
  stops.push(() => window.removeEventListener('beforeunload', onBeforeUnload));

  return {
    consents,
    photoBlock,
    recordingBlock,
    gallery,
    asks,
    incoming,
    askBusy,
    photoError,
    unseen,
    recording,
    recordingBusy,
    recordingError,
    recordings,
    unsaved,
    ask,
    save: markSaved,
    setPanelOpen(open: boolean) {
      panelOpen = open;
      if (open) unseen.value = 0;
    },
    startRecording,
    stopRecording,
    dispose() {
      stops.forEach((s) => s());
      void recording.peek()?.recorder?.stop();
      for (const g of gallery.peek()) URL.revokeObjectURL(g.url);
      for (const r of recordings.peek()) URL.revokeObjectURL(r.url);
    },
  };
}

export type ConsultMedia = ReturnType<typeof createConsultMedia>;
