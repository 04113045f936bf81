// The clinician's photos of the consult, in the chat's place: ask for one (naming the site),
// follow it arriving, look at it at full size and save it to this device. And the recording's
// button and the "Gravando" mark both screens show.
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { MEDIA_LIMITS } from '../../../functions/src/lib/model';
import { ErrorMessage } from '../components/Status';
import { formatClinicTime } from '../clinicTime';
import { locale, t } from '../i18n';
import type { ConsultMedia, GalleryPhoto } from '../state/consultMedia';
import { photoFileName, saveToDevice } from '../state/consultMedia';
import './media.css';
import { formatBytes, formatDuration } from './mediaText';

/** Sites a wound-care clinic names most; the clinician may type any other. */
const SITES = ['Região sacral', 'Calcâneo direito', 'Calcâneo esquerdo', 'Maléolo direito', 'Maléolo esquerdo', 'Perna direita', 'Perna esquerda', 'Pé direito', 'Pé esquerdo', 'Abdome'];

const time = (date: Date) => formatClinicTime(date, locale.value);

/** `live`: during the call (asks possible); otherwise the photos kept after it, to look at and save. */
export function PhotoPanel({ consultId, media, onClose, live }: { consultId: string; media: ConsultMedia; onClose?: () => void; live?: boolean }) {
  const site = useSignal('');
  const viewing = useSignal<string | null>(null);
  const block = media.photoBlock.value;
  const asks = media.asks.value;
  const waiting = asks.filter((a) => a.state === 'asked');
  const declined = asks.filter((a) => a.state === 'declined');
  const incoming = media.incoming.value;
  const gallery = media.gallery.value;
  const busy = media.askBusy.value;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (await media.ask(site.value.trim() || null)) site.value = '';
  };

  return (
    <aside id="photo-panel" class={live ? 'chat photo-panel' : 'photo-panel'} aria-labelledby="photo-title" data-testid="photo-panel">
      <div class="chat-head">
        <h2 id="photo-title">{live ? t('photo.title') : t('photo.keptTitle')}</h2>
        {onClose && <button type="button" class="link-button" onClick={onClose}>{t('common.close')}</button>}
      </div>
      <div class="record-panel-body">
        {live && <form class="photo-ask" onSubmit={(e) => void submit(e)}>
          <label for="photo-site">{t('photo.siteLabel')}</label>
          <input id="photo-site" list="photo-sites" maxLength={MEDIA_LIMITS.siteMax} value={site.value} disabled={!!block}
            autoComplete="off" onInput={(e) => (site.value = e.currentTarget.value)} />
          <datalist id="photo-sites">{SITES.map((s) => <option key={s} value={s} />)}</datalist>
          <button type="submit" class="button primary small" disabled={!!block || busy} aria-busy={busy} aria-describedby={block ? 'photo-block' : undefined}>
            {busy ? t('photo.asking') : t('photo.ask')}
          </button>
          {block && <p class="hint" id="photo-block" data-testid="photo-block">{t(`photo.block.${block}`)}</p>}
        </form>}
        {media.photoError.value && <ErrorMessage>{media.photoError.value}</ErrorMessage>}
        <div aria-live="polite" data-testid="photo-status">
          {waiting.map((a) => (
            <p key={a.id} class="hint" data-testid="photo-waiting">{a.site ? t('photo.waitingSite', { site: a.site }) : t('photo.waiting')}</p>
          ))}
          {declined.map((a) => (
            <p key={a.id} class="hint" data-testid="photo-declined">{a.site ? t('photo.declinedSite', { site: a.site }) : t('photo.declined')}</p>
          ))}
        </div>
        {incoming.map((x) => {
          const percent = Math.floor((x.done / x.bytes) * 100);
          return (
            <div key={x.id} class="photo-incoming" data-testid="photo-incoming">
              <label for={`incoming-${x.id}`}>
                {x.state === 'failed' ? t('photo.failedIn') : t('photo.receiving', { percent, size: formatBytes(x.bytes) })}
              </label>
              <progress id={`incoming-${x.id}`} max={100} value={percent} />
            </div>
          );
        })}
        {gallery.length === 0 && incoming.length === 0 && <p class="hint">{t('photo.none')}</p>}
        <ul class="gallery" aria-label={t('photo.gallery')} data-testid="photo-gallery">
          {gallery.map((p) => (
            <GalleryItem key={p.id} photo={p} onView={() => (viewing.value = p.id)} onSave={() => media.save(p.id)} />
          ))}
        </ul>
        <p class="hint">{t('photo.notStored')}</p>
      </div>
      {viewing.value && (
        <PhotoViewer photo={gallery.find((g) => g.id === viewing.value)!} fileName={photoFileName(consultId, gallery.find((g) => g.id === viewing.value)!)}
          onSave={() => media.save(viewing.value!)} onClose={() => (viewing.value = null)} />
      )}
    </aside>
  );
}

function GalleryItem({ photo, onView, onSave }: { photo: GalleryPhoto; onView: () => void; onSave: () => void }) {
  const audit = photo.audit;
  return (
    <li class="gallery-item" data-testid="photo-item" data-photo-id={photo.id} data-saved={String(photo.saved)}>
      <button type="button" class="thumb" onClick={onView} aria-label={t('photo.view', { site: photo.site ?? t('photo.noSite'), time: time(photo.takenAt) })}>
        <img src={photo.url} alt="" />
      </button>
      <div class="gallery-meta">
        <strong>{photo.site ?? t('photo.noSite')}</strong>
        <span>{time(photo.takenAt)} · {photo.width} × {photo.height} · {formatBytes(photo.bytes)}{photo.requested ? '' : ` · ${t('photo.unprompted')}`}</span>
        <span class="hint" data-testid="photo-audit">
          {audit === 'pending' ? t('photo.auditPending') : 'seq' in audit ? t('photo.audited', { seq: audit.seq }) : audit.error}
        </span>
        <button type="button" class="button small" onClick={onSave}>{photo.saved ? t('photo.saveAgain') : t('photo.save')}</button>
      </div>
    </li>
  );
}

/** Full size in a modal dialog: fitted to the window, or at its own pixels to judge an edge. */
function PhotoViewer({ photo, fileName, onSave, onClose }: { photo: GalleryPhoto; fileName: string; onSave: () => void; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const actual = useSignal(false);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog ref={dialog} class="photo-viewer" aria-labelledby="viewer-title" onClose={onClose} data-testid="photo-viewer">
      <div class="viewer-bar">
        <h2 id="viewer-title">{photo.site ?? t('photo.noSite')} · {time(photo.takenAt)}</h2>
        <button type="button" class="button small" aria-pressed={actual.value} onClick={() => (actual.value = !actual.value)}>
          {actual.value ? t('photo.fit') : t('photo.actualSize')}
        </button>
        <button type="button" class="button small" onClick={onSave} title={fileName}>{t('photo.save')}</button>
        <button type="button" class="button small" onClick={() => dialog.current?.close()}>{t('common.close')}</button>
      </div>
      <div class={actual.value ? 'viewer-image actual' : 'viewer-image'} tabIndex={0} aria-label={t('photo.imageArea')}>
        <img src={photo.url} alt={t('photo.alt', { site: photo.site ?? t('photo.noSite'), width: photo.width, height: photo.height })} data-testid="viewer-image" />
      </div>
      <p class="hint hash">SHA-256 {photo.sha256}</p>
    </dialog>
  );
}

/** After the call: the photos and recordings still in this page, to save before leaving it. */
export function SavedMedia({ consultId, media }: { consultId: string; media: ConsultMedia }) {
  const recordings = media.recordings.value;
  if (media.gallery.value.length === 0 && recordings.length === 0) return null;
  return (
    <section class="card saved-media">
      {media.gallery.value.length > 0 && <PhotoPanel consultId={consultId} media={media} />}
      {recordings.length > 0 && (
        <>
          <h2>{t('rec.savedTitle')}</h2>
          <ul class="recordings">
            {recordings.map((r) => (
              <li key={r.id}>
                {t('rec.saved', { file: r.fileName })} · {formatDuration(r.durationMs)} · {formatBytes(r.blob.size)}
                {' '}<button type="button" class="button small" onClick={() => saveToDevice(r.url, r.fileName)}>{t('rec.saveAgain')}</button>
                <span class="hint hash">SHA-256 {r.sha256}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/** The clinician's record button, with the time recorded; why it cannot record, when it cannot. */
export function RecordingControl({ media }: { media: ConsultMedia }) {
  const now = media.recording.value;
  const block = media.recordingBlock.value;
  const busy = media.recordingBusy.value;
  const tick = useSignal(0);
  const explain = useSignal(false);
  useEffect(() => {
    if (!now) return;
    const timer = setInterval(() => (tick.value += 1), 1000);
    return () => clearInterval(timer);
  }, [now?.id]);
  void tick.value;
  return (
    <span class="recording-control">
      {now ? (
        <button type="button" class="button rec-on" disabled={busy || !now.recorder} aria-busy={busy} data-testid="recording-stop"
          onClick={() => void media.stopRecording('clinician')}>
          <span class="rec-dot" aria-hidden="true" />
          {t('rec.stop', { time: formatDuration(Date.now() - now.startedAt) })}
        </button>
      ) : (
        <button type="button" class="button" disabled={busy} aria-busy={busy} aria-disabled={block ? 'true' : undefined}
          aria-describedby={block ? 'rec-block' : undefined} data-testid="recording-start"
          onClick={() => (block ? (explain.value = true) : void media.startRecording())}>
          {t('rec.start')}
        </button>
      )}
      {block && !now && (
        <span id="rec-block" class={explain.value ? 'error-text' : 'visually-hidden'} role={explain.value ? 'alert' : undefined} data-testid="recording-block">
          {t(`rec.block.${block}`)}
        </span>
      )}
      {media.recordingError.value && <span class="error-text" role="alert">{media.recordingError.value}</span>}
    </span>
  );
}
