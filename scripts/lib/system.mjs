// Makes sure the system parts the project needs are present: installs them with apt when
// running as root, otherwise stops with the one exact command to run.
import { execFileSync, spawnSync } from 'node:child_process';

const PARTS = {
  java: { bin: 'java', pkg: 'default-jre-headless', why: 'the Firestore emulator' },
  chromium: { bin: 'chromium', pkg: 'chromium', why: 'the browser tests' },
  coturn: { bin: 'turnserver', pkg: 'coturn', why: 'the relay tests' },
  iptables: { bin: 'iptables', pkg: 'iptables', why: 'the network lab (NAT routers and firewalls)' },
  firefox: { bin: 'firefox-esr', pkg: 'firefox-esr', why: 'the Firefox call tests' },
};

function has(bin) {
  // Root's tools (iptables) live in /usr/sbin, which a user's PATH may lack.
  return spawnSync('sh', ['-c', `PATH="$PATH:/usr/sbin:/sbin" command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

let aptUpdated = false;

/** @param {Array<keyof typeof PARTS>} names */
export function ensureSystemParts(names) {
  const missing = names.filter((n) => !has(PARTS[n].bin));
  if (missing.length === 0) return;
  const pkgs = missing.map((n) => PARTS[n].pkg);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    const why = missing.map((n) => `${PARTS[n].bin} (for ${PARTS[n].why})`).join(', ');
    console.error(`Missing: ${why}. Install with:\n  sudo apt-get update && sudo apt-get install -y ${pkgs.join(' ')}`);
    process.exit(1);
  }
  console.log(`Installing ${pkgs.join(', ')} with apt-get …`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    aptUpdated = true;
  }
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env });
  const still = missing.filter((n) => !has(PARTS[n].bin));
  if (still.length > 0) {
    console.error(`apt-get finished but ${still.map((n) => PARTS[n].bin).join(', ')} is still missing.`);
    process.exit(1);
  }
  if (missing.includes('coturn')) {
    // Debian starts coturn as a service on install; the tests run their own instances.
    spawnSync('sh', ['-c', 'service coturn stop >/dev/null 2>&1 || true'], { stdio: 'ignore' });
  }
}
