// Types of netlab.mjs for the TypeScript tests and the bench.
export type Nat = 'none' | 'eim' | 'symmetric';

export interface LabRouter {
  name: string;
  ns: string;
  k: number;
  wanAddr: string;
}
export interface LabLink {
  dev: string;
  addr: string;
  gateway: string;
  router?: string;
}
export interface LabHost {
  name: string;
  ns: string;
  links: LabLink[];
  current: LabLink;
}

export interface WireWay {
  delayMs?: number;
  jitterMs?: number;
  lossPct?: number;
  rateKbps?: number;
  queueMs?: number;
}
/** "up": from the device to its router. */
export interface WireConfig {
  up?: WireWay;
  down?: WireWay;
}

export interface NetLab {
  id: number;
  prefix: string;
  dir: string;
  hostAddr: string;
  relayAddr: string;
  internetNs: string;
  router(name: string, opts?: { nat?: Nat; filter?: 'none' | 'tcp443' }): LabRouter;
  host(name: string, opts: { via: string[] | 'internet' }): LabHost;
  wiredHost(name: string, opts: { via: string }): Promise<{ host: LabHost; set(config: WireConfig): void }>;
  switchTo(hostName: string, routerName: string): void;
  iptables(ns: string, ...args: string[]): string;
  chromiumIn(hostName: string, chromium?: string): string;
  spawnIn(ns: string, cmd: string, args: string[], options?: object): import('node:child_process').ChildProcess;
  close(): Promise<void>;
  leftovers(): string[];
}

export declare function labUnavailable(): string | null;
export declare function makeCertificates(dir: string, names: { ip: string; dns: string }): { ca: string; cert: string; key: string; spki: string };
export declare function createLab(opts?: { id?: number; forwardPorts?: number[] }): Promise<NetLab>;
