// The clinician's desk, for the whole signed-in session: the live consult list, who is in a
// waiting room and since when, and the arrival alert (sound, tab title, an in-page alert and a
// system notification where allowed). One per signed-in clinician, shared by every screen, so
// an arrival is announced wherever the clinician is and only once.
import { computed, effect, signal, type ReadonlySignal } from '@preact/signals';
import { doc, onSnapshot } from 'firebase/firestore';
import type { StatsDoc } from '../../../functions/src/lib/model';
import { db } from '../db';
import { t } from '../i18n';
import { navigate } from '../router';
import { watchMyConsults, type Live } from './clinic';
import { toDate, type Consult } from './consult';

export interface Arrival {
  consultId: string;
  patientLabel: string;
  since: Date;
}

/** The consults announced already, kept for the tab's origin: a reload does not announce them again. */
const ANNOUNCED_KEY = 'tc.arrivals';
const NOTIFY_ASKED_KEY = 'tc.notify.asked';

function readAnnounced(): Set<string> {
  try {
    const kept = JSON.parse(localStorage.getItem(ANNOUNCED_KEY) ?? '[]') as unknown;
    return new Set(Array.isArray(kept) ? kept.filter((k): k is string => typeof k === 'string') : []);
  } catch {
    return new Set();
  }
}

function writeAnnounced(keys: Set<string>): void {
  try {
    localStorage.setItem(ANNOUNCED_KEY, JSON.stringify([...keys].slice(-200)));
  } catch {
    // Not kept: a reload may announce a waiting patient again.
  }
}

/** A soft two-note chime, made on the spot (no file to fetch); silent where audio is not allowed yet. */
function chime(): void {
  try {
    const Ctx = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (!Ctx) return;
    const ctx = new Ctx();
    const play = (freq: number, at: number) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, ctx.currentTime + at);
      gain.gain.exponentialRampToValueAtTime(0.25, ctx.currentTime + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + at + 0.35);
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + at);
      osc.stop(ctx.currentTime + at + 0.4);
    };
    play(880, 0);
    play(660, 0.2);
    setTimeout(() => void ctx.close().catch(() => undefined), 1000);
  } catch {
    // No audio: the title, the page and the notification still say it.
  }
}

export type NotifyPermission = NotificationPermission | 'unsupported';

function notifyPermission(): NotifyPermission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/**
 * Who is in a waiting room: the patient's lobby stats say 'waiting', and since when. `answered`:
 * the consults whose stats have been read at least once (before that, nobody is known to be away).
 */
function watchWaiting(consults: ReadonlySignal<Consult[] | null>) {
  const since = signal<ReadonlyMap<string, Date>>(new Map());
  const answered = new Set<string>();
  const listeners = new Map<string, () => void>();
  const set = (consultId: string, at: Date | null) => {
    answered.add(consultId);
    const next = new Map(since.peek());
    if (at) next.set(consultId, at);
    else next.delete(consultId);
    since.value = next;
  };
  const stopEffect = effect(function followWaitingRooms() {
    const open = new Map((consults.value ?? []).filter((c) => c.status === 'waiting' && c.patientUid).map((c) => [`${c.id}/${c.patientUid}`, c]));
    for (const [key, stop] of listeners) {
      if (open.has(key)) continue;
      stop();
      listeners.delete(key);
      set(key.split('/')[0]!, null);
    }
    for (const [key, c] of open) {
      if (listeners.has(key)) continue;
      listeners.set(key, onSnapshot(
        doc(db, 'consults', c.id, 'stats', c.patientUid!),
        (snap) => {
          const stats = snap.data() as StatsDoc | undefined;
          set(c.id, stats?.lobby === 'waiting' ? toDate(stats.lobbySeenAt) ?? new Date() : null);
        },
        () => set(c.id, null),
      ));
    }
  });
  return {
    since,
    /** The patient is known not to be waiting: the consult is not in the waiting state, or its stats say so. */
    knownAway(consult: Consult): boolean {
      return consult.status !== 'waiting' || (answered.has(consult.id) && !since.peek().has(consult.id));
    },
    stop() {
      stopEffect();
      listeners.forEach((stop) => stop());
      listeners.clear();
    },
  };
}

/** System notifications: whether allowed, asked once, and shown. */
function systemNotices() {
  const permission = signal<NotifyPermission>(notifyPermission());
  const asked = signal(readFlag(NOTIFY_ASKED_KEY));
  return {
    permission,
    /** The question about system notifications was answered (either way) or cannot be asked. */
    asked,
    async ask(): Promise<void> {
      writeFlag(NOTIFY_ASKED_KEY);
      asked.value = true;
      if (typeof Notification === 'undefined') return;
      permission.value = await Notification.requestPermission().catch(() => notifyPermission());
    },
    decline(): void {
      writeFlag(NOTIFY_ASKED_KEY);
      asked.value = true;
    },
    show(arrival: Arrival): void {
      if (permission.peek() !== 'granted' || typeof Notification === 'undefined') return;
      try {
        const note = new Notification(t('desk.waitingTitle'), { body: arrival.patientLabel, tag: `arrival-${arrival.consultId}` });
        note.onclick = () => {
          window.focus();
          navigate(`/consults/${arrival.consultId}`);
        };
      } catch {
        // Some browsers allow notifications only from a service worker: the page still says it.
      }
    },
  };
}

/**
 * Announces each arrival once: the chime, the in-page alert (`alerts`, until dismissed or the
 * patient is no longer waiting) and the system notice. Announced consults are kept for the
 * origin, so a reload does not announce them again; one known to have left is forgotten, so a
 * return is announced.
 */
function announcer(arrivals: ReadonlySignal<Arrival[]>, consults: ReadonlySignal<Consult[] | null>, knownAway: (c: Consult) => boolean, notices: ReturnType<typeof systemNotices>) {
  const alerts = signal<Arrival[]>([]);
  const announced = readAnnounced();
  const stop = effect(function announceArrivals() {
    const now = arrivals.value;
    const present = new Set(now.map((a) => a.consultId));
    let changed = false;
    for (const arrival of now) {
      if (announced.has(arrival.consultId)) continue;
      announced.add(arrival.consultId);
      changed = true;
      alerts.value = [...alerts.peek().filter((a) => a.consultId !== arrival.consultId), arrival];
      chime();
      notices.show(arrival);
    }
    for (const consult of consults.peek() ?? []) {
      if (announced.has(consult.id) && knownAway(consult)) {
        announced.delete(consult.id);
        changed = true;
      }
    }
    if (changed) writeAnnounced(announced);
    alerts.value = alerts.peek().filter((a) => present.has(a.consultId));
  });
  return {
    alerts,
    dismiss(consultId: string): void {
      alerts.value = alerts.peek().filter((a) => a.consultId !== consultId);
    },
    stop,
  };
}

function createDesk(clinicianUid: string) {
  const live: Live<Consult[] | null> = watchMyConsults(clinicianUid);
  const waiting = watchWaiting(live.value);
  const notices = systemNotices();
  const baseTitle = document.title;

  /** Who is in a waiting room now, longest waiting first. */
  const arrivals = computed<Arrival[]>(() => {
    const since = waiting.since.value;
    return (live.value.value ?? [])
      .filter((c) => since.has(c.id) && c.status === 'waiting')
      .map((c) => ({ consultId: c.id, patientLabel: c.patientLabel, since: since.get(c.id)! }))
      .sort((a, b) => a.since.getTime() - b.since.getTime());
  });
  const announcing = announcer(arrivals, live.value, waiting.knownAway, notices);
  const stopTitle = effect(function titleSaysWhoWaits() {
    const n = arrivals.value.length;
    document.title = n > 0 ? `(${n}) ${t('desk.waitingTitle')} — ${baseTitle}` : baseTitle;
  });

  return {
    consults: live.value,
    error: live.error,
    arrivals,
    waitingSince: waiting.since,
    alerts: announcing.alerts,
    dismiss: announcing.dismiss,
    permission: notices.permission,
    asked: notices.asked,
    askToNotify: notices.ask,
    declineToNotify: notices.decline,
    stop(): void {
      announcing.stop();
      stopTitle();
      document.title = baseTitle;
      waiting.stop();
      live.stop();
    },
  };
}

function readFlag(key: string): boolean {
  try {
    return localStorage.getItem(key) === '1';
  } catch {
    return false;
  }
}

function writeFlag(key: string): void {
  try {
    localStorage.setItem(key, '1');
  } catch {
    // Asked again on the next page.
  }
}

export type Desk = ReturnType<typeof createDesk>;

let current: { uid: string; desk: Desk } | null = null;

/** The signed-in clinician's desk, made on first use and kept across screens until another person signs in. */
export function deskFor(clinicianUid: string): Desk {
  if (current?.uid === clinicianUid) return current.desk;
  current?.desk.stop();
  current = { uid: clinicianUid, desk: createDesk(clinicianUid) };
  return current.desk;
}

/** Signing out: nothing of the previous clinician keeps listening. */
export function closeDesk(): void {
  current?.desk.stop();
  current = null;
}
