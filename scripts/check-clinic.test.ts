import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clinicForProject } from '../web/clinicConfig';

const script = path.resolve(__dirname, 'check-clinic.mjs');
const run = (args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', env: { ...process.env, GCLOUD_PROJECT: '' } });

describe('the deploy check of the clinic identity', () => {
  it('stops a deploy whose clinic is not filled in, naming every missing value', () => {
    const result = run(['--project', 'teleconsulta-prod']);
    expect(result.status).toBe(1);
    for (const name of ['CLINIC_NAME', 'CLINIC_CNPJ', 'CLINIC_ADDRESS', 'CLINIC_DPO_NAME', 'CLINIC_DPO_EMAIL']) {
      expect(result.stderr).toContain(`${name} is not set`);
    }
    expect(result.stderr).toContain('Not deploying to teleconsulta-prod');
  });

  it('lets the demo project through and says which clinic it is', () => {
    const result = run(['--project', 'demo-teleconsulta']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('CNPJ 11.222.333/0001-81');
  });

  it('stops for a project with no params file, and without a project', () => {
    expect(run(['--project', 'teleconsulta-nowhere']).stderr).toContain('functions/.env.teleconsulta-nowhere does not exist');
    expect(run([]).status).toBe(2);
  });

  it('stops the web build of a project whose clinic is not filled in, as it stops the deploy', () => {
    const functionsDir = path.resolve(__dirname, '../functions');
    expect(() => clinicForProject('teleconsulta-prod', functionsDir)).toThrow(/CLINIC_NAME is not set/);
    expect(clinicForProject('demo-teleconsulta', functionsDir).cnpj).toBe('11.222.333/0001-81');
  });
});
