// Types of coturn.mjs for the TypeScript tests and the bench.
export declare const TURNSERVER: string;
export declare const DEV_TURN_PORT: number;
export declare const DEV_TURN_REALM: string;

export interface DevSecrets {
  TURN_SHARED_SECRET: string;
  TWILIO_ACCOUNT_SID: string;
  TWILIO_API_KEY_SID: string;
  TWILIO_API_KEY_SECRET: string;
  [name: string]: string;
}
export declare function ensureDevSecrets(): DevSecrets;
export declare function devTurnSecret(): string;

export interface CoturnOptions {
  /** Defaults to DEV_TURN_PORT, where the demo project's TURN_URLS point. */
  port?: number;
  /** Every secret is accepted; the functions sign with the first (current) one. */
  secrets: string[];
  realm?: string;
  minPort?: number;
  maxPort?: number;
  verbose?: boolean;
  /** Run inside this network namespace (the network lab), listening on listenIp. */
  netns?: string;
  listenIp?: string;
  /** Also TURN over TLS (a turns: URL) on this port, with this certificate and key. */
  tls?: { port: number; cert: string; key: string };
  /** Peer address ranges the relay refuses (`a.b.c.d-e.f.g.h`), as production's private ranges. */
  deniedPeers?: string[];
}

export interface Coturn {
  port: number;
  urls: string[];
  logFile: string;
  log(): string;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export declare function startCoturn(opts: CoturnOptions): Promise<Coturn>;
export declare function startDevRelay(secret: string): Promise<Coturn | null>;
