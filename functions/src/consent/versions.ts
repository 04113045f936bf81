export const CONSENT_VERSIONS = { patient: '2026-11-01', clinician: '2026-11-01' } as const;
