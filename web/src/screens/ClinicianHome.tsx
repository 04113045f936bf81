import { isClinician, session } from '../state/auth';
import { Layout } from '../components/Layout';
import { Loading } from '../components/Status';
import { Dashboard } from './Dashboard';
import { SignIn } from './SignIn';

/** "/": the sign-in form, or the dashboard once a clinician is signed in. */
export function ClinicianHome() {
  const s = session.value;
  if (s === undefined) return <Layout><Loading /></Layout>;
  if (!s || s.anonymous) return <SignIn />;
  if (!isClinician.value) return <SignIn notClinician />;
  return <Dashboard clinicianUid={s.uid} email={s.email ?? ''} />;
}
