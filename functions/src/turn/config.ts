import { logger } from 'firebase-functions/v2';
import { defineSecret, defineString } from 'firebase-functions/params';
import type { Clock } from '../lib/clock';
import { fail } from '../lib/errors';
import { coturnProvider, parseIceUrls } from './coturn';
import type { TurnProvider } from './provider';
import { stunProvider } from './stun';
import { twilioProvider, type TwilioConfig } from './twilio';

// Every deploy must choose: a non-interactive deploy without a value stops with an error.
export const TURN_PROVIDER = defineString('TURN_PROVIDER', {
  default: 'stun',
  description: 'Who hands out ICE servers: twilio | coturn | stun (development only: no relay).',
  input: { select: { options: [{ value: 'twilio' }, { value: 'coturn' }, { value: 'stun' }] } },
});
export const TURN_URLS = defineString('TURN_URLS', {
  description: 'coturn: comma-separated URLs, e.g. turn:turn.example.com:3478?transport=udp,turns:turn.example.com:443?transport=tcp',
});
export const TURN_SHARED_SECRET = defineSecret('TURN_SHARED_SECRET');
export const TWILIO_ACCOUNT_SID = defineSecret('TWILIO_ACCOUNT_SID');
export const TWILIO_API_KEY_SID = defineSecret('TWILIO_API_KEY_SID');
export const TWILIO_API_KEY_SECRET = defineSecret('TWILIO_API_KEY_SECRET');

export const TURN_SECRETS = [TURN_SHARED_SECRET, TWILIO_ACCOUNT_SID, TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET];

export interface TurnConfig {
  provider: string;
  urls: string;
  sharedSecret: string;
  twilio: TwilioConfig;
}

function notConfigured(problem: string): never {
  logger.error('TURN is misconfigured', { problem });
  return fail('turn_not_configured', 'The relay server is not configured. Please tell the clinic.');
}

/** Builds the configured provider; a bad configuration is a logged, typed error, never a silent fallback. */
export function providerFor(config: TurnConfig, clock: Clock): TurnProvider {
  let urls: string[];
  try {
    urls = parseIceUrls(config.urls);
  } catch (error) {
    return notConfigured(error instanceof Error ? error.message : 'TURN_URLS is invalid');
  }
  switch (config.provider) {
    case 'twilio':
      return twilioProvider(config.twilio, clock);
    case 'coturn':
      if (!config.sharedSecret || config.sharedSecret === 'unused') return notConfigured('TURN_SHARED_SECRET is not set');
      if (!urls.some((u) => u.startsWith('turn'))) return notConfigured('TURN_URLS has no turn: or turns: URL');
      return coturnProvider({ secret: config.sharedSecret, urls }, clock);
    case 'stun':
      logger.warn('TURN_PROVIDER is stun: no relay, so patients behind strict NATs cannot connect (development only).');
      return stunProvider(urls, clock);
    default:
      return notConfigured(`TURN_PROVIDER is "${config.provider}", expected twilio, coturn or stun`);
  }
}

let memo: { key: string; provider: TurnProvider } | null = null;

/** The provider for this instance's params, kept so Twilio tokens are reused across calls. */
export function configuredProvider(clock: Clock): TurnProvider {
  const config: TurnConfig = {
    provider: TURN_PROVIDER.value(),
    urls: TURN_URLS.value(),
    sharedSecret: TURN_SHARED_SECRET.value(),
    twilio: {
      accountSid: TWILIO_ACCOUNT_SID.value(),
      apiKeySid: TWILIO_API_KEY_SID.value(),
      apiKeySecret: TWILIO_API_KEY_SECRET.value(),
    },
  };
  const key = JSON.stringify(config);
  if (memo?.key !== key) memo = { key, provider: providerFor(config, clock) };
  return memo.provider;
}
