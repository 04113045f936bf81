// The clinic's identity, put into the build by vite.config.ts from the deployment's params.
import type { ClinicIdentity } from '../../functions/src/lib/clinic';

export type { ClinicIdentity };

export const CLINIC: ClinicIdentity = JSON.parse(import.meta.env.VITE_CLINIC) as ClinicIdentity;
