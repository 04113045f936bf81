#!/usr/bin/env node
// Before a deploy (firebase.json predeploy): the clinic's identity for the target project must be
// complete and valid, or nothing is deployed. `node scripts/check-clinic.mjs [--project ID]`;
// Firebase sets GCLOUD_PROJECT for its predeploy hooks.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CliError, functionsLib, runCli, usageError } from './lib/admin-cli.mjs';
import { ROOT } from './lib/emulators.mjs';

await runCli(async () => {
  const { values } = parseArgs({ options: { project: { type: 'string' } } });
  const project = values.project ?? process.env.GCLOUD_PROJECT;
  if (!project) throw usageError('Say which project: --project ID (firebase deploy sets GCLOUD_PROJECT).');
  if (!/^[a-z][a-z0-9-]{4,29}$/.test(project)) throw usageError(`"${project}" is not a Firebase project id.`);
  const { checkClinic, parseEnvFiles } = functionsLib('lib/clinic');
  const files = ['.env', `.env.${project}`].map((name) => path.join(ROOT, 'functions', name));
  if (!existsSync(files[1])) throw new CliError(`functions/.env.${project} does not exist: create it with the clinic's identity (README, "The clinic's identity").`);
  const checked = checkClinic(parseEnvFiles(...files.map((file) => readFileSync(file, 'utf8'))));
  if (!checked.ok) {
    throw new CliError(`Not deploying to ${project}: the clinic's identity in functions/.env.${project} is incomplete.\n  - ` +
      `${checked.problems.join('\n  - ')}\nFill it in (README, "The clinic's identity") and deploy again.`);
  }
  const { name, cnpj, dpoEmail, askPatientCpf } = checked.clinic;
  console.log(`Clinic for ${project}: ${name}, CNPJ ${cnpj}, DPO ${dpoEmail}; patient CPF ${askPatientCpf ? 'asked' : 'not asked'}.`);
});
