// Calls in the network lab (scripts/lib/netlab.mjs): the lab with the emulators and the harness
// page forwarded into it, its relay (STUN, TURN over UDP/TCP on 3478, TURN over TLS on 443 with a
// throwaway CA), and each participant's Chromium inside its own namespace.
import { randomBytes } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLab, makeCertificates } from '../../scripts/lib/netlab.mjs';
import { startCoturn } from '../../scripts/lib/coturn.mjs';
import { arrangeCall, harnessUrl, openPeer, openPeerIn, printTrace, serveHarness, until, type ArrangedCall, type CallPeer, type HarnessPeer, type Participant } from '../../web/harness/driver';
import type { SelectedPair } from '../../web/harness/call';
import { turnRestCredential } from '../../functions/src/turn/coturn';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser';
import { authHost, firestoreHost } from './emulators';

export type Lab = Awaited<ReturnType<typeof createLab>>;

export interface LabWorld {
  lab: Lab;
  relayUrls: string[];
  /** STUN and TURN (UDP, TCP, TLS on 443) with a fresh credential for this user. */
  iceServers(uid: string): RTCIceServer[];
  /** The harness page and the emulators, as the lab's hosts reach them. */
  origin: string;
  authAt: string;
  firestoreAt: string;
  spki: string;
  close(): Promise<void>;
}

const portOf = (hostPort: string) => Number(hostPort.split(':').at(-1));

/** Builds the lab core and its relay; `build` adds the scenario's routers and hosts. */
export async function openLabWorld(build: (lab: Lab) => void | Promise<void>): Promise<LabWorld> {
  const page = await serveHarness();
  const pagePort = portOf(page.origin);
  let lab: Lab | null = null;
  try {
    lab = await createLab({ forwardPorts: [portOf(authHost()), portOf(firestoreHost()), pagePort] });
    await build(lab);
    const certs = makeCertificates(lab.dir, { ip: lab.relayAddr, dns: 'turn.lab.test' });
    const secret = randomBytes(24).toString('hex');
    const relay = await startCoturn({
      port: 3478,
      secrets: [secret],
      netns: lab.internetNs,
      listenIp: lab.relayAddr,
      tls: { port: 443, cert: certs.cert, key: certs.key },
      minPort: 49160,
      maxPort: 49400,
      // As production (docs/turn.md): no relaying into private networks, the LANs and the lab's link to the host among them.
      deniedPeers: ['10.0.0.0-10.255.255.255', '172.16.0.0-172.31.255.255', '192.168.0.0-192.168.255.255'],
      verbose: process.env.TC_LAB_VERBOSE === '1',
    });
    const world: LabWorld = {
      lab,
      relayUrls: relay.urls,
      iceServers: (uid) => [
        { urls: `stun:${lab!.relayAddr}:3478` },
        { urls: relay.urls, ...turnRestCredential(secret, uid, Date.now() / 1000 + 3600) },
      ],
      origin: `http://${lab.hostAddr}:${pagePort}`,
      authAt: `${lab.hostAddr}:${portOf(authHost())}`,
      firestoreAt: `${lab.hostAddr}:${portOf(firestoreHost())}`,
      spki: certs.spki,
      async close() {
        if (process.env.TC_LAB_VERBOSE === '1') copyFileSync(relay.logFile, path.join(tmpdir(), `lab-${lab!.id}-turn.log`));
        await relay.stop();
        await lab!.close();
        await page.close();
      },
    };
    return world;
  } catch (error) {
    await lab?.close();
    await page.close();
    throw error;
  }
}

/** A Chromium started inside `host`'s namespace, trusting the lab relay's certificate. */
export function labBrowser(world: LabWorld, host: string): Promise<Browser> {
  return launchChromium(
    [`--unsafely-treat-insecure-origin-as-secure=${world.origin}`, `--ignore-certificate-errors-spki-list=${world.spki}`],
    { executablePath: world.lab.chromiumIn(host) },
  );
}

/** The harness page's address for one participant on a lab host: the emulators and ICE servers as the lab reaches them. */
function labUrl(world: LabWorld, call: ArrangedCall, who: Participant, extra: Record<string, string>): string {
  return harnessUrl(world.origin, call, who, {
    auth: world.authAt,
    firestore: world.firestoreAt,
    ice: JSON.stringify(world.iceServers(who.uid)),
    ...extra,
  });
}

/** One participant's harness page in a tab of a lab browser; closing the peer closes the tab. */
export function labPeerIn(world: LabWorld, browser: Browser, call: ArrangedCall, who: Participant, extra: Record<string, string> = {}): Promise<HarnessPeer> {
  return openPeerIn(browser, labUrl(world, call, who, extra));
}

/** One participant's harness page in a Chromium of its own inside `host`'s namespace. */
export function labPeer(world: LabWorld, host: string, call: ArrangedCall, who: Participant, extra: Record<string, string> = {}): Promise<HarnessPeer> {
  return openPeer(labUrl(world, call, who, extra), () => labBrowser(world, host));
}

export interface LabCall {
  call: ArrangedCall;
  clinician: CallPeer;
  patient: CallPeer;
  close(): Promise<void>;
}

/** A consult admitted for two people on two lab hosts, both pages open and started. */
export async function labCall(world: LabWorld, clinicianHost: string, patientHost: string, extra: Record<string, string> = {}): Promise<LabCall> {
  const call = await arrangeCall();
  const [clinician, patient] = await Promise.all([
    labPeer(world, clinicianHost, call, call.clinician, extra),
    labPeer(world, patientHost, call, call.patient, extra),
  ]);
  await Promise.all([clinician.start(), patient.start()]);
  return { call, clinician, patient, close: async () => void (await Promise.all([clinician.close(), patient.close()])) };
}

type Info = Awaited<ReturnType<HarnessPeer['info']>>;
export const decodingPast = (after: number) => (i: Info) => i.state === 'connected' && (i.framesDecoded ?? 0) > after + 10;

/** Waits for frames decoded on both sides beyond what each had (default: none). */
export async function framesBothWays(c: Pick<LabCall, 'clinician' | 'patient'>, before: [number, number] = [0, 0], ms = 30_000): Promise<[Info, Info]> {
  const t0 = Date.now();
  try {
    return await Promise.all([
      until(() => c.clinician.info(), decodingPast(before[0]), 'clinician frames', ms),
      until(() => c.patient.info(), decodingPast(before[1]), 'patient frames', ms),
    ]);
  } catch (error) {
    // What each engine did and the pairs it tried: the network behind a failure.
    await printTrace({ clinician: c.clinician, patient: c.patient }, t0 - ms, true).catch(() => undefined);
    for (const [who, peer] of [['clinician', c.clinician], ['patient', c.patient]] as const) {
      console.log(`${who} pairs: ${JSON.stringify(await peer.page.evaluate(() => window.callHarness.pairs()).catch(() => null))}`);
    }
    throw error;
  }
}

export const selectedPair = (peer: CallPeer): Promise<SelectedPair | null> => peer.page.evaluate(() => window.callHarness.selectedPair());

/** host, srflx or relay: the pair's kind as a network engineer names it (relay wins, then srflx/prflx). */
export function pairKind(p: SelectedPair | null): 'host' | 'srflx' | 'relay' | 'none' {
  if (!p) return 'none';
  const types = [p.local.type, p.remote.type];
  if (types.includes('relay')) return 'relay';
  if (types.includes('srflx') || types.includes('prflx')) return 'srflx';
  return 'host';
}
