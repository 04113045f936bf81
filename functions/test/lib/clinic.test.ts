import { describe, expect, it } from 'vitest';
import { checkClinic, fillClinic, parseEnvFiles } from '../../src/lib/clinic';

const complete = {
  CLINIC_NAME: 'Clínica Exemplo',
  CLINIC_CNPJ: '11222333000181',
  CLINIC_ADDRESS: 'Rua A, 1, São Paulo/SP',
  CLINIC_DPO_NAME: 'Beatriz',
  CLINIC_DPO_EMAIL: 'dpo@exemplo.test',
  ASK_PATIENT_CPF: 'true',
};

describe("the clinic's identity", () => {
  it('is complete: the CNPJ is printed formatted and the CPF question is on', () => {
    const checked = checkClinic(complete);
    expect(checked).toEqual({ ok: true, clinic: expect.objectContaining({ cnpj: '11.222.333/0001-81', askPatientCpf: true }) });
  });

  it.each([
    [{ CLINIC_NAME: '' }, 'CLINIC_NAME is not set'],
    [{ CLINIC_NAME: '[NOME DA CLÍNICA]' }, 'CLINIC_NAME still holds a placeholder'],
    [{ CLINIC_ADDRESS: '{{CLINIC_ADDRESS}}' }, 'CLINIC_ADDRESS still holds a placeholder'],
    [{ CLINIC_CNPJ: '11.222.333/0001-82' }, 'CLINIC_CNPJ "11.222.333/0001-82" is not a valid CNPJ'],
    [{ CLINIC_DPO_EMAIL: 'dpo' }, 'CLINIC_DPO_EMAIL "dpo" is not an e-mail address'],
    [{ ASK_PATIENT_CPF: 'yes' }, 'ASK_PATIENT_CPF must be true or false'],
  ])('names the value that is wrong: %o', (change, problem) => {
    const checked = checkClinic({ ...complete, ...change });
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.problems.join('\n')).toContain(problem);
  });

  it('lists every missing value at once', () => {
    const checked = checkClinic({});
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.problems).toHaveLength(5);
  });

  it('fills every token of a template and refuses an unknown one', () => {
    const checked = checkClinic(complete);
    if (!checked.ok) throw new Error('fixture');
    expect(fillClinic('{{CLINIC_NAME}}, CNPJ {{CLINIC_CNPJ}} — {{DPO_EMAIL}}', checked.clinic)).toBe('Clínica Exemplo, CNPJ 11.222.333/0001-81 — dpo@exemplo.test');
    expect(() => fillClinic('{{CLINIC_PHONE}}', checked.clinic)).toThrow(/CLINIC_PHONE/);
  });
});

describe('.env files as Firebase reads them', () => {
  it('takes comments, quotes and later files overriding earlier ones', () => {
    const values = parseEnvFiles('# c\nA=1\nB="two words # not a comment"\n', "A=3 # comment\nC='x'\nnot a line\n");
    expect(values).toEqual({ A: '3', B: 'two words # not a comment', C: 'x' });
  });
});
