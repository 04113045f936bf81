import { fail } from '../lib/errors';
import { isPlausibleBirthDate } from '../lib/identity';
import type { PatientIdentityInput } from '../lib/api';
import type { ClinicIdentity } from '../lib/clinic';

/**
 * An identity as it is kept: the date of birth checked against today, the CPF kept only where
 * the clinic asks for it (and then required). The schema has already checked shapes and digits.
 */
export function identityFields(input: PatientIdentityInput, clinic: ClinicIdentity, nowMs: number, cpfRequired: boolean) {
  if (!isPlausibleBirthDate(input.birthDate, nowMs)) {
    fail('invalid_input', 'Invalid request — birthDate: must be a real date, not in the future and at most 130 years ago.');
  }
  if (clinic.askPatientCpf && cpfRequired && input.cpf === null) {
    fail('invalid_input', 'Invalid request — cpf: this clinic asks for the CPF.');
  }
  return { fullName: input.fullName, birthDate: input.birthDate, cpf: clinic.askPatientCpf ? input.cpf : null };
}
