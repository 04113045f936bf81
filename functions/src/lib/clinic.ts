// Who the clinic is: deployment configuration (functions/.env.<projectId>), filled into the consent
// texts a person reads and whose hash is recorded, and printed on the consult record. Pure: the
// functions read it from params, the web build and the deploy check from the same .env files.
import { formatCnpj, isValidCnpj } from './identity';

export interface ClinicIdentity {
  /** The data controller (LGPD art. 5 VI): the clinic's legal or trade name. */
  name: string;
  /** 14 digits, check digits valid; printed 12.345.678/0001-95. */
  cnpj: string;
  address: string;
  /** The encarregado (LGPD art. 41), whom a patient writes to about their data. */
  dpoName: string;
  dpoEmail: string;
  /** Whether the patient is asked for a CPF beside their name and date of birth. */
  askPatientCpf: boolean;
}

/** The params, by the field they fill: the deploy check names the missing one. */
export const CLINIC_PARAMS = {
  name: 'CLINIC_NAME',
  cnpj: 'CLINIC_CNPJ',
  address: 'CLINIC_ADDRESS',
  dpoName: 'CLINIC_DPO_NAME',
  dpoEmail: 'CLINIC_DPO_EMAIL',
} as const satisfies Record<Exclude<keyof ClinicIdentity, 'askPatientCpf'>, string>;
export const ASK_PATIENT_CPF_PARAM = 'ASK_PATIENT_CPF';

const TEXT_MAX = 200;
/** Unfilled template text such as "[NOME DA CLÍNICA]" or "<clinic>" must never reach a patient. */
const PLACEHOLDER = /[[\]<>{}]|^(todo|tbd|xxx|changeme)$/i;

export type ClinicCheck = { ok: true; clinic: ClinicIdentity } | { ok: false; problems: string[] };

/** The clinic from its params (KEY → value), with every problem named by its param. */
export function checkClinic(values: Readonly<Record<string, string | undefined>>): ClinicCheck {
  const problems: string[] = [];
  const read = (param: string): string => {
    const value = (values[param] ?? '').trim();
    if (!value) problems.push(`${param} is not set.`);
    else if (value.length > TEXT_MAX) problems.push(`${param} is longer than ${TEXT_MAX} characters.`);
    else if (PLACEHOLDER.test(value)) problems.push(`${param} still holds a placeholder ("${value}").`);
    return value;
  };
  const name = read(CLINIC_PARAMS.name);
  const cnpj = read(CLINIC_PARAMS.cnpj);
  const address = read(CLINIC_PARAMS.address);
  const dpoName = read(CLINIC_PARAMS.dpoName);
  const dpoEmail = read(CLINIC_PARAMS.dpoEmail);
  if (cnpj && !PLACEHOLDER.test(cnpj) && !isValidCnpj(cnpj)) problems.push(`${CLINIC_PARAMS.cnpj} "${cnpj}" is not a valid CNPJ (its check digits do not match).`);
  if (dpoEmail && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(dpoEmail)) problems.push(`${CLINIC_PARAMS.dpoEmail} "${dpoEmail}" is not an e-mail address.`);
  const ask = (values[ASK_PATIENT_CPF_PARAM] ?? 'false').trim();
  if (ask !== 'true' && ask !== 'false') problems.push(`${ASK_PATIENT_CPF_PARAM} must be true or false, not "${ask}".`);
  if (problems.length) return { ok: false, problems };
  return { ok: true, clinic: { name, cnpj: formatCnpj(cnpj), address, dpoName, dpoEmail, askPatientCpf: ask === 'true' } };
}

/** The clinic, or an error that lists what to set and where. */
export function clinicOrThrow(values: Readonly<Record<string, string | undefined>>, where: string): ClinicIdentity {
  const checked = checkClinic(values);
  if (checked.ok) return checked.clinic;
  throw new Error(`The clinic's identity is incomplete in ${where}:\n  - ${checked.problems.join('\n  - ')}\n` +
    'Set it there (see README, "The clinic\'s identity") before building or deploying.');
}

/** The tokens of the consent templates (functions/src/consent/texts/*.md) and what fills them. */
export function fillClinic(template: string, clinic: ClinicIdentity): string {
  const values: Record<string, string> = {
    CLINIC_NAME: clinic.name,
    CLINIC_CNPJ: clinic.cnpj,
    CLINIC_ADDRESS: clinic.address,
    DPO_NAME: clinic.dpoName,
    DPO_EMAIL: clinic.dpoEmail,
  };
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (token, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`Unknown token ${token} in a consent text.`);
    return value;
  });
}

/**
 * KEY=VALUE lines of a functions/.env file, as Firebase reads them: `#` comments, optional
 * quotes. Later files override earlier ones (.env, then .env.<projectId>).
 */
export function parseEnvFiles(...contents: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const content of contents) {
    for (const line of content.split('\n')) {
      const match = /^\s*([A-Z_][A-Z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
      if (!match) continue;
      let value = match[2]!;
      const quoted = /^(["'])(.*)\1$/.exec(value);
      if (quoted) value = quoted[2]!;
      else value = value.replace(/\s+#.*$/, '');
      out[match[1]!] = value;
    }
  }
  return out;
}
