import { defineBoolean, defineString } from 'firebase-functions/params';
import { ASK_PATIENT_CPF_PARAM, CLINIC_PARAMS, clinicOrThrow, type ClinicIdentity } from './clinic';

// The clinic's identity as deployment params. No defaults: a deploy without them stops (the
// predeploy check in scripts/check-clinic.mjs names the missing one before Firebase asks).
const params = Object.fromEntries(
  Object.values(CLINIC_PARAMS).map((name) => [name, defineString(name, { description: `The clinic's identity (README): ${name}.` })]),
);
const askPatientCpf = defineBoolean(ASK_PATIENT_CPF_PARAM, { default: false, description: 'Ask the patient for a CPF (true or false).' });

let cached: ClinicIdentity | null = null;

/** The clinic as deployed; a missing or invalid value is our configuration bug, reported as such. */
export function clinicFromParams(): ClinicIdentity {
  if (cached) return cached;
  const values: Record<string, string> = { [ASK_PATIENT_CPF_PARAM]: String(askPatientCpf.value()) };
  for (const [name, param] of Object.entries(params)) values[name] = param.value();
  cached = clinicOrThrow(values, 'functions/.env.<projectId>');
  return cached;
}
