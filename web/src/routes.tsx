// Which screen a path shows. Each area is its own chunk: the patient's never loads the
// clinician's code (nor Firestore) before consent.
import { currentPath, matchPath } from './router';
import { lazyScreen } from './components/lazy';

const ClinicianHome = lazyScreen(() => import('./screens/ClinicianHome').then((m) => m.ClinicianHome));
const ConsultRoom = lazyScreen(() => import('./screens/ConsultRoom').then((m) => m.ConsultRoom));
const RecordPage = lazyScreen(() => import('./screens/RecordPage').then((m) => m.RecordPage));
const Join = lazyScreen(() => import('./screens/Join').then((m) => m.Join));

export function Routes() {
  const path = currentPath.value;
  const join = matchPath('/join/:consultId', path);
  if (join) return <Join consultId={join['consultId']!} />;
  const record = matchPath('/consults/:consultId/record', path);
  if (record) return <RecordPage consultId={record['consultId']!} />;
  const room = matchPath('/consults/:consultId', path);
  if (room) return <ConsultRoom consultId={room['consultId']!} />;
  return <ClinicianHome />;
}
