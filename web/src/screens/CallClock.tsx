import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { t } from '../i18n';

const two = (n: number) => String(n).padStart(2, '0');

function clockText(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  return h > 0 ? `${h}:${two(m)}:${two(total % 60)}` : `${two(m)}:${two(total % 60)}`;
}

/** Who the call is with, how long it has run, and what is left of the slot (or how far past it). */
export function CallClock({ who, since, minutes, scheduledFor }: { who: string; since: Date | null; minutes: number; scheduledFor: Date }) {
  const now = useSignal(Date.now());
  useEffect(() => {
    const timer = setInterval(() => (now.value = Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const slotEnd = scheduledFor.getTime() + minutes * 60_000;
  const leftMin = Math.ceil((slotEnd - now.value) / 60_000);
  return (
    <p class="call-clock" data-testid="call-clock">
      <strong class="call-who">{who}</strong>
      {since && (
        <span role="timer" aria-label={t('clock.elapsedLabel')} data-testid="call-elapsed">{clockText(now.value - since.getTime())}</span>
      )}
      <span class={leftMin < 0 ? 'call-left over' : 'call-left'} data-testid="call-left">
        {leftMin >= 0 ? t('clock.left', { minutes: leftMin }) : t('clock.over', { minutes: -leftMin })}
      </span>
    </p>
  );
}
