export const CONSENT_VERSIONS = { patient: '2026-12-02', clinician: '2026-12-02' } as const;
