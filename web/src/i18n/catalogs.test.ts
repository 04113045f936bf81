import { describe, expect, it } from 'vitest';
import { en } from './en';
import { ptBR } from './pt-BR';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the English and Portuguese catalogs', () => {
  it('fill the same placeholders in every message', () => {
    const mismatched = Object.keys(ptBR)
      .filter((key) => typeof ptBR[key as keyof typeof ptBR] === 'string')
      .filter((key) => {
        const pt = ptBR[key as keyof typeof ptBR] as string;
        const other = en[key as keyof typeof en] as string;
        return JSON.stringify(placeholders(pt)) !== JSON.stringify(placeholders(other));
      });
    expect(mismatched).toEqual([]);
  });

  it('have no empty message, server reason or call reason', () => {
    for (const catalog of [ptBR, en]) {
      const texts = [
        ...Object.values(catalog).filter((v): v is string => typeof v === 'string'),
        ...Object.values(catalog.reason),
        ...Object.values(catalog.callReason),
      ];
      expect(texts.filter((t) => t.trim() === '')).toEqual([]);
    }
  });

  it('explain every invite problem with a next step', () => {
    for (const catalog of [ptBR, en]) {
      for (const reason of ['invite_invalid', 'invite_expired', 'invite_taken', 'invite_locked'] as const) {
        expect(catalog.reason[reason]).toMatch(/clínica|clinic|aguarde|wait|aparelho|device/i);
      }
    }
  });
});
