export const CONSENT_VERSIONS = { patient: '2026-12-02.2', clinician: '2026-12-02.2' } as const;
