// The language signal and `t()`. pt-BR by default; ?lang=en (or the switch) picks English.
import { computed, effect, signal } from '@preact/signals';
import { en } from './en';
import { ptBR, type MessageKey, type Messages } from './pt-BR';
import type { Reason } from '../../../functions/src/lib/errors';
import type { CallErrorReason } from '../call/errors';

export type Locale = 'pt-BR' | 'en';
export type { MessageKey };

const catalogs: Record<Locale, Messages> = { 'pt-BR': ptBR, en };
const STORAGE_KEY = 'tc.lang';

function initialLocale(): Locale {
  const fromQuery = new URLSearchParams(location.search).get('lang');
  if (fromQuery === 'en' || fromQuery === 'pt-BR' || fromQuery === 'pt') return fromQuery === 'en' ? 'en' : 'pt-BR';
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'pt-BR';
  } catch {
    return 'pt-BR';
  }
}

export const locale = signal<Locale>(initialLocale());
const messages = computed(() => catalogs[locale.value]);

export function setLocale(next: Locale): void {
  locale.value = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
}

effect(function syncDocumentLanguage() {
  document.documentElement.lang = locale.value;
});

export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  return messages.value[key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

export function reasonText(reason: Reason): string {
  return messages.value.reason[reason];
}

export function callReasonText(reason: CallErrorReason): string {
  return messages.value.callReason[reason];
}

export function isReason(value: unknown): value is Reason {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ptBR.reason, value);
}
