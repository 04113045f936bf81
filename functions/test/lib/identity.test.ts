import { describe, expect, it } from 'vitest';
import {
  formatBirthDate,
  formatCnpj,
  formatCpf,
  formatProfessional,
  isPlausibleBirthDate,
  isValidCnpj,
  isValidCpf,
  professionalOf,
  professionalProblem,
} from '../../src/lib/identity';

describe('CPF check digits', () => {
  // Valid numbers computed by the Receita Federal's mod-11 rule; each invalid one differs in one digit.
  it.each(['529.982.247-25', '52998224725', '111.444.777-35', '123.456.789-09', '000.000.001-91', '935.411.347-80'])('accepts %s', (cpf) => {
    expect(isValidCpf(cpf)).toBe(true);
  });
  it.each([
    ['529.982.247-24', 'second check digit wrong'],
    ['529.982.247-15', 'first check digit wrong'],
    ['111.111.111-11', 'a run of one digit'],
    ['000.000.000-00', 'all zeros'],
    ['5299822472', 'ten digits'],
    ['529982247255', 'twelve digits'],
    ['529.982.247-2a', 'a letter'],
    ['', 'empty'],
  ])('refuses %s (%s)', (cpf) => {
    expect(isValidCpf(cpf)).toBe(false);
  });
  it('is printed with its dots and dash', () => {
    expect(formatCpf('52998224725')).toBe('529.982.247-25');
  });
});

describe('CNPJ check digits', () => {
  it.each(['11.222.333/0001-81', '11222333000181', '11.444.777/0001-61', '04.252.011/0001-10'])('accepts %s', (cnpj) => {
    expect(isValidCnpj(cnpj)).toBe(true);
  });
  it.each(['11.222.333/0001-82', '11.222.333/0001-91', '00.000.000/0000-00', '11.222.333/0001', '[CNPJ]'])('refuses %s', (cnpj) => {
    expect(isValidCnpj(cnpj)).toBe(false);
  });
  it('is printed with its dots, slash and dash', () => {
    expect(formatCnpj('11222333000181')).toBe('11.222.333/0001-81');
  });
});

describe('a professional registration', () => {
  const ana = { name: 'Enf. Ana Souza', council: 'COREN', number: '123456-ENF', uf: 'SP' };
  it('is printed the way a council writes it', () => {
    expect(formatProfessional(professionalOf(ana)!)).toBe('Enf. Ana Souza — COREN-SP 123456-ENF');
  });
  it.each([
    [{ ...ana, name: 'A' }, /name/],
    [{ ...ana, council: 'XYZ' }, /council/],
    [{ ...ana, number: '12a' }, /registration number/],
    [{ ...ana, uf: 'XX' }, /UF/],
    [{ ...ana, name: 'Ana\u202ESouza' }, /name/],
  ])('names what is wrong: %o', (value, pattern) => {
    expect(professionalProblem(value)).toMatch(pattern);
    expect(professionalOf(value)).toBeNull();
  });
  it('a token without one, or with a malformed one, has none', () => {
    expect(professionalOf(undefined)).toBeNull();
    expect(professionalOf('COREN')).toBeNull();
  });
});

describe('a date of birth', () => {
  const now = Date.UTC(2026, 11, 2);
  it('is a real past date within 130 years', () => {
    expect(isPlausibleBirthDate('1958-03-12', now)).toBe(true);
    expect(isPlausibleBirthDate('2024-02-29', now)).toBe(true);
    expect(isPlausibleBirthDate('2023-02-29', now)).toBe(false);
    expect(isPlausibleBirthDate('2027-01-01', now)).toBe(false);
    expect(isPlausibleBirthDate('1890-01-01', now)).toBe(false);
    expect(isPlausibleBirthDate('12/03/1958', now)).toBe(false);
  });
  it('is printed day first', () => {
    expect(formatBirthDate('1958-03-12')).toBe('12/03/1958');
  });
});
