// The page's Content Security Policy, written by the build for the project it is built for: the
// exact hosts that project's app talks to, and nothing anyone else could host behind. Hosting's
// header (firebase.json) is the same for every project and the emulators, so it carries only what
// depends on no project (frame-ancestors, object-src, base-uri, form-action); this one goes into
// index.html as a <meta http-equiv> ahead of every script (README, "Content Security Policy").
import type { Plugin } from 'vite';

export interface CspTarget {
  projectId: string;
  /** The callables' region (their host is `<region>-<projectId>.cloudfunctions.net`). */
  functionsRegion: string;
  /** host:port of the Auth, Firestore and Functions emulators; null for a real project. */
  emulators: { auth: string; firestore: string; functions: string } | null;
}

/** What the page needs beyond itself, per directive. */
function sources(target: CspTarget): Record<string, string[]> {
  if (target.emulators) {
    const { auth, firestore, functions } = target.emulators;
    return {
      'connect-src': [`http://${auth}`, `http://${firestore}`, `ws://${firestore}`, `http://${functions}`],
      'script-src': [],
      'frame-src': [],
    };
  }
  return {
    'connect-src': [
      // Auth: sign-in, and the token refresh.
      'https://identitytoolkit.googleapis.com',
      'https://securetoken.googleapis.com',
      'https://firestore.googleapis.com',
      `https://${target.functionsRegion}-${target.projectId}.cloudfunctions.net`,
      // App Check: the token exchange, and reCAPTCHA Enterprise's scoring.
      'https://content-firebaseappcheck.googleapis.com',
      'https://www.google.com/recaptcha/',
    ],
    // reCAPTCHA Enterprise's script and its invisible frame (Google's published CSP for it).
    'script-src': ['https://www.google.com/recaptcha/', 'https://www.gstatic.com/recaptcha/'],
    'frame-src': ['https://www.google.com/recaptcha/', 'https://recaptcha.google.com/recaptcha/'],
  };
}

export function contentSecurityPolicy(target: CspTarget): string {
  const extra = sources(target);
  const directives: Array<[string, string[]]> = [
    ['default-src', ["'self'"]],
    ['script-src', ["'self'", ...extra['script-src']!]],
    ['style-src', ["'self'"]],
    ['img-src', ["'self'", 'data:', 'blob:']],
    ['media-src', ["'self'", 'blob:', 'mediastream:']],
    ['font-src', ["'self'"]],
    ['connect-src', ["'self'", ...extra['connect-src']!]],
    ['frame-src', extra['frame-src']!.length ? extra['frame-src']! : ["'none'"]],
    ['worker-src', ["'self'"]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'self'"]],
  ];
  return directives.map(([name, values]) => `${name} ${values.join(' ')}`).join('; ');
}

const PLACE = '<!-- content-security-policy -->';

/** Escapes a value for a double-quoted HTML attribute. */
const attribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

/**
 * Writes the policy where index.html marks its place: right after <meta charset> (which must stay
 * within the first 1024 bytes) and before any script or preload the build adds.
 */
export function cspMeta(target: CspTarget): Plugin {
  return {
    name: 'teleconsulta-csp',
    apply: 'build',
    transformIndexHtml: {
      order: 'pre',
      handler(html) {
        if (!html.includes(PLACE)) throw new Error(`web/index.html has no ${PLACE} for the Content Security Policy`);
        return html.replace(PLACE, `<meta http-equiv="Content-Security-Policy" content="${attribute(contentSecurityPolicy(target))}" />`);
      },
    },
  };
}
