// The clinic's identity for the web build, from the same files the functions deploy with
// (functions/.env, then functions/.env.<projectId>): the consent texts the web shows and hashes
// must be the ones the functions check. A build with a value missing stops here, naming it.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { clinicOrThrow, parseEnvFiles, type ClinicIdentity } from '../functions/src/lib/clinic';

export function clinicForProject(projectId: string, functionsDir: string): ClinicIdentity {
  const files = ['.env', `.env.${projectId}`].map((name) => path.join(functionsDir, name));
  const contents = files.filter((file) => existsSync(file)).map((file) => readFileSync(file, 'utf8'));
  return clinicOrThrow(parseEnvFiles(...contents), `functions/.env.${projectId}`);
}
