// The call model as the app makes it: the app's Firestore and its getIceServers callable. The
// engine's test page (web/harness) makes the same model with its own.
import { db } from '../db';
import { callable } from '../firebase';
import { createCallModel, type CallModel } from './call';
import type { CallRole } from '../call';

const getIceServers = callable('getIceServers');

export function appCallModel(consultId: string, uid: string, role: CallRole): CallModel {
  return createCallModel({ consultId, uid, role, db, getIceServers });
}
