// Who the clinic, the clinician and the patient are: the checks and the one way each is written.
// Pure (no Firebase), shared by the functions, the web, the users CLI and the deploy check.

/** Only the digits of a CPF or CNPJ typed with or without its dots, slash and dash. */
export const digitsOf = (value: string): string => value.replace(/[.\-/\s]/g, '');

/** Mod-11 check digit over `digits` weighted from `firstWeight` down to 2 (CNPJ weights wrap at 9). */
function checkDigit(digits: string, weights: number[]): number {
  const sum = [...digits].reduce((acc, d, i) => acc + Number(d) * weights[i]!, 0);
  const rest = sum % 11;
  return rest < 2 ? 0 : 11 - rest;
}

const descending = (from: number, count: number) => Array.from({ length: count }, (_, i) => from - i);

/** A CPF (11 digits, two check digits; a run of one digit is not a CPF). */
export function isValidCpf(value: string): boolean {
  const cpf = digitsOf(value);
  if (!/^\d{11}$/.test(cpf) || /^(\d)\1{10}$/.test(cpf)) return false;
  const first = checkDigit(cpf.slice(0, 9), descending(10, 9));
  const second = checkDigit(cpf.slice(0, 10), descending(11, 10));
  return first === Number(cpf[9]) && second === Number(cpf[10]);
}

const CNPJ_WEIGHTS_1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
const CNPJ_WEIGHTS_2 = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];

/** A CNPJ (14 digits, two check digits; a run of one digit is not a CNPJ). */
export function isValidCnpj(value: string): boolean {
  const cnpj = digitsOf(value);
  if (!/^\d{14}$/.test(cnpj) || /^(\d)\1{13}$/.test(cnpj)) return false;
  return checkDigit(cnpj.slice(0, 12), CNPJ_WEIGHTS_1) === Number(cnpj[12])
    && checkDigit(cnpj.slice(0, 13), CNPJ_WEIGHTS_2) === Number(cnpj[13]);
}

export const formatCpf = (cpf: string): string => digitsOf(cpf).replace(/^(\d{3})(\d{3})(\d{3})(\d{2})$/, '$1.$2.$3-$4');
export const formatCnpj = (cnpj: string): string => digitsOf(cnpj).replace(/^(\d{2})(\d{3})(\d{3})(\d{4})(\d{2})$/, '$1.$2.$3/$4-$5');

// ── the clinician ────────────────────────────────────────────────────────────────────────

/** The regional councils whose professionals run wound-care consults (medicine, nursing, physiotherapy, …). */
export const COUNCILS = ['CRM', 'COREN', 'CREFITO', 'CRO', 'CRF', 'CRN', 'CRP', 'CRBM', 'CREFONO'] as const;
export type Council = (typeof COUNCILS)[number];
export const UFS = [
  'AC', 'AL', 'AM', 'AP', 'BA', 'CE', 'DF', 'ES', 'GO', 'MA', 'MG', 'MS', 'MT', 'PA', 'PB', 'PE', 'PI', 'PR',
  'RJ', 'RN', 'RO', 'RR', 'RS', 'SC', 'SE', 'SP', 'TO',
] as const;
export type Uf = (typeof UFS)[number];

/** What CFM 2.314/2022 has the patient know: who treats them, under which council registration. */
export interface Professional {
  /** As the professional wants to be called, title included ("Enf. Ana Souza"). */
  name: string;
  council: Council;
  /** The registration number, with the category suffix some councils use ("123456-ENF"). */
  number: string;
  uf: Uf;
}

export const PROFESSIONAL_NAME_MAX = 80;
const REGISTRATION = /^\d{1,10}(-[A-Z]{1,4})?$/;
const CONTROL = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

/** The first thing wrong with a professional's details, in a sentence; null when they are fine. */
export function professionalProblem(value: { name?: unknown; council?: unknown; number?: unknown; uf?: unknown }): string | null {
  const { name, council, number, uf } = value;
  if (typeof name !== 'string' || name.trim().length < 3) return 'The name must have at least 3 characters.';
  if (name.trim().length > PROFESSIONAL_NAME_MAX || CONTROL.test(name)) return `The name must be at most ${PROFESSIONAL_NAME_MAX} plain characters.`;
  if (typeof council !== 'string' || !(COUNCILS as readonly string[]).includes(council)) return `The council must be one of ${COUNCILS.join(', ')}.`;
  if (typeof number !== 'string' || !REGISTRATION.test(number)) return 'The registration number must be digits, optionally with a category suffix (123456 or 123456-ENF).';
  if (typeof uf !== 'string' || !(UFS as readonly string[]).includes(uf)) return 'The state (UF) must be a Brazilian state abbreviation such as SP.';
  return null;
}

/** The professional from an ID token's `pro` claim, or null when the account has none (or a malformed one). */
export function professionalOf(claim: unknown): Professional | null {
  if (!claim || typeof claim !== 'object') return null;
  const { name, council, number, uf } = claim as Record<string, unknown>;
  if (professionalProblem({ name, council, number, uf }) !== null) return null;
  return { name: (name as string).trim(), council: council as Council, number: number as string, uf: uf as Uf };
}

/** "Enf. Ana Souza — COREN-SP 123456-ENF", the way a registration is printed. */
export const formatProfessional = (p: Professional): string => `${p.name} — ${registrationOf(p)}`;
export const registrationOf = (p: Pick<Professional, 'council' | 'number' | 'uf'>): string => `${p.council}-${p.uf} ${p.number}`;

// ── the patient ──────────────────────────────────────────────────────────────────────────

export const PATIENT_NAME_MAX = 120;
export const IDENTITY_DOCUMENT_MAX = 80;

/** A date of birth as YYYY-MM-DD that exists, is not in the future and is at most 130 years back. */
export function isPlausibleBirthDate(value: string, nowMs: number): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const date = new Date(ms);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return false;
  const now = new Date(nowMs);
  return ms <= nowMs && year >= now.getUTCFullYear() - 130;
}

/** 1958-03-12 → 12/03/1958, as a Brazilian form writes it. */
export const formatBirthDate = (iso: string): string => iso.replace(/^(\d{4})-(\d{2})-(\d{2})$/, '$3/$2/$1');
