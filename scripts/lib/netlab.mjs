// A network lab on this machine: Linux network namespaces joined by veth pairs, with NAT routers,
// firewalls and a relay, so that calls are proven across the networks patients really have.
//
//   host (the emulators, the harness page) ── 10.250.N.1/24 ─┐
//                                                              │ veth
//   "internet" namespace: bridge 198.18.N.1/24, coturn on it (STUN/TURN 3478 UDP+TCP, TLS on 443)
//        │ veth to the bridge                 │ veth to the bridge
//   router A (NAT of the scenario's choice)   a host on the internet segment (198.18.N.100+)
//        │ its LAN bridge 192.168.K.1/24
//   LAN hosts 192.168.K.10+ (a Chromium each)
//
// N is TC_PORT_OFFSET (two suites on one machine keep apart); every address is the lab's own and
// every packet stays on this machine. Builds as root only; `close()` removes every namespace,
// veth, route and process it made, and a lab left by a killed run is removed by the next one.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p)) ?? 'ip';
const IPTABLES = ['/usr/sbin/iptables', '/sbin/iptables'].find((p) => existsSync(p)) ?? 'iptables';
const WIRE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'linkwire.py');

function run(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`${path.basename(cmd)} ${args.join(' ')}: ${(e.stderr || e.message).trim()}`);
  }
}
const ip = (...args) => run(IP, args);
const inNs = (ns, cmd, ...args) => run(IP, ['netns', 'exec', ns, cmd, ...args]);

/**
 * Why this machine cannot build the lab, with the command that fixes it; null when it can.
 * Never a silent skip: the lab's tests fail with this text.
 */
export function labUnavailable() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return 'The network lab builds Linux network namespaces and needs root. Run the tests as root (CI does): sudo npm test';
  }
  if (!existsSync(IP)) return 'The network lab needs iproute2. Install it: sudo apt-get install -y iproute2';
  if (!existsSync(IPTABLES)) return 'The network lab needs iptables. Install it: sudo apt-get install -y iptables';
  const probe = `tlprobe${process.pid}`;
  try {
    ip('netns', 'add', probe);
    inNs(probe, IPTABLES, '-t', 'nat', '-L', '-n');
  } catch (e) {
    return `This kernel or container does not allow network namespaces with NAT (${e.message.split('\n')[0]}). Run on a Linux host or VM as root.`;
  } finally {
    try { ip('netns', 'del', probe); } catch { /* never made */ }
  }
  return null;
}

/** A throwaway CA and a server certificate for the relay's TLS port (IP and DNS names), made with openssl. */
export function makeCertificates(dir, { ip: addr, dns }) {
  const f = (n) => path.join(dir, n);
  const ossl = (...args) => run('openssl', args);
  ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=Teleconsulta network lab CA');
  ossl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('turn.key'), '-out', f('turn.csr'), '-subj', `/CN=${dns}`);
  writeFileSync(f('ext.cnf'), `subjectAltName=IP:${addr},DNS:${dns}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  ossl('x509', '-req', '-in', f('turn.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('turn.pem'), '-days', '2', '-extfile', f('ext.cnf'));
  // Chromium trusts a key by the SHA-256 of its SubjectPublicKeyInfo (--ignore-certificate-errors-spki-list).
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: run('openssl', ['x509', '-in', f('turn.pem'), '-pubkey', '-noout']) });
  const spki = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der }).toString('base64');
  return { ca: f('ca.pem'), cert: f('turn.pem'), key: f('turn.key'), spki };
}

/** TCP from `host:port` to 127.0.0.1:port: the lab reaches the emulators and the harness page through it. */
async function forward(host, port) {
  const sockets = new Set();
  const server = createServer((inbound) => {
    const outbound = connect(port, '127.0.0.1');
    sockets.add(inbound).add(outbound);
    const drop = () => { inbound.destroy(); outbound.destroy(); sockets.delete(inbound); sockets.delete(outbound); };
    inbound.on('error', drop).on('close', drop);
    outbound.on('error', drop).on('close', drop);
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  return () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); });
}

/** Removes whatever a lab with this prefix left behind (a run killed mid-test). */
function sweep(prefix, hostLink) {
  for (const line of ip('netns', 'list').split('\n')) {
    const ns = line.split(' ')[0];
    if (ns && ns.startsWith(`${prefix}-`)) {
      try { run(IP, ['netns', 'pids', ns]).split('\n').filter(Boolean).forEach((pid) => { try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ } }); } catch { /* none */ }
      try { ip('netns', 'del', ns); } catch { /* raced */ }
    }
  }
  try { ip('link', 'del', hostLink); } catch { /* not there */ }
}

/**
 * Builds the lab's core: the internet namespace with its bridge and the link to the host.
 * @param {{ id?: number, forwardPorts?: number[] }} opts  ports on 127.0.0.1 the lab must reach
 */
export async function createLab(opts = {}) {
  const reason = labUnavailable();
  if (reason) throw new Error(reason);
  const id = opts.id ?? Number(process.env.TC_PORT_OFFSET ?? 0);
  const prefix = `tl${id}`;
  const hostLink = `${prefix}-up`;
  sweep(prefix, hostLink);

  const hostAddr = `10.250.${id}.1`;
  const inetHostSide = `10.250.${id}.2`;
  const publicNet = `198.18.${id}`;
  const relayAddr = `${publicNet}.1`;
  const inet = `${prefix}-inet`;
  const dir = mkdtempSync(path.join(tmpdir(), `${prefix}-`));
  const made = { routers: new Map(), hosts: new Map(), children: new Set(), closers: [] };
  let routerCount = 0;
  let publicCount = 0;
  let linkCount = 0;

  const addNs = (ns) => {
    ip('netns', 'add', ns);
    inNs(ns, IP, 'link', 'set', 'lo', 'up');
  };
  /** A veth from namespace a (name an) to namespace b (name bn); a null namespace is the host. */
  const veth = (a, an, b, bn) => {
    const t1 = `${prefix}v${++linkCount}a`;
    const t2 = `${prefix}v${linkCount}b`;
    ip('link', 'add', t1, 'type', 'veth', 'peer', 'name', t2);
    for (const [tmp, ns, name] of [[t1, a, an], [t2, b, bn]]) {
      if (ns) {
        ip('link', 'set', tmp, 'netns', ns);
        inNs(ns, IP, 'link', 'set', tmp, 'name', name);
        inNs(ns, IP, 'link', 'set', name, 'up');
      } else {
        if (tmp !== name) ip('link', 'set', tmp, 'name', name);
        ip('link', 'set', name, 'up');
      }
    }
  };
  const sysctl = (ns, key) => inNs(ns, 'sysctl', '-qw', `${key}=1`);

  try {
    // The internet: a bridge every router's WAN and every public host joins; coturn listens on it.
    addNs(inet);
    sysctl(inet, 'net.ipv4.ip_forward');
    inNs(inet, IP, 'link', 'add', 'br0', 'type', 'bridge');
    inNs(inet, IP, 'addr', 'add', `${relayAddr}/24`, 'dev', 'br0');
    inNs(inet, IP, 'link', 'set', 'br0', 'up');
    veth(null, hostLink, inet, 'cloud');
    ip('addr', 'add', `${hostAddr}/24`, 'dev', hostLink);
    inNs(inet, IP, 'addr', 'add', `${inetHostSide}/24`, 'dev', 'cloud');
    // The host answers what the internet sends it as if it came from the internet namespace (no routes on the host for LANs),
    // and reaches the relay itself (a readiness check).
    inNs(inet, IPTABLES, '-t', 'nat', '-A', 'POSTROUTING', '-o', 'cloud', '-j', 'MASQUERADE');
    ip('route', 'add', `${publicNet}.0/24`, 'via', inetHostSide, 'dev', hostLink);

    for (const port of opts.forwardPorts ?? []) made.closers.push(await forward(hostAddr, port));
  } catch (e) {
    sweep(prefix, hostLink);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  // A run interrupted (Ctrl-C, a CI timeout) or ending without close() still leaves nothing.
  const onExit = () => sweep(prefix, hostLink);
  const onSignal = (signal) => {
    onExit();
    process.off('exit', onExit);
    process.kill(process.pid, signal);
  };
  process.once('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const lab = {
    id,
    prefix,
    dir,
    /** Where the lab reaches the host (the emulators and the page, through the forwarders). */
    hostAddr,
    relayAddr,
    internetNs: inet,

    /**
     * A router between a LAN of its own and the internet.
     * nat: 'none' (routed), 'eim' (endpoint-independent mapping: Linux keeps the source port),
     * 'symmetric' (a new random port per destination: MASQUERADE --random-fully).
     * filter: 'tcp443' drops all UDP and all TCP except to port 443 (and to the host, which
     * stands in for Google's front end, itself on 443 in production).
     */
    router(name, { nat = 'eim', filter = 'none' } = {}) {
      const k = ++routerCount;
      const ns = `${prefix}-${name}`;
      const wanAddr = `${publicNet}.${10 + k}`;
      addNs(ns);
      sysctl(ns, 'net.ipv4.ip_forward');
      veth(ns, 'wan', inet, `r${k}`);
      inNs(inet, IP, 'link', 'set', `r${k}`, 'master', 'br0');
      inNs(ns, IP, 'addr', 'add', `${wanAddr}/24`, 'dev', 'wan');
      inNs(ns, IP, 'route', 'add', 'default', 'via', relayAddr);
      inNs(ns, IP, 'link', 'add', 'lan', 'type', 'bridge');
      inNs(ns, IP, 'addr', 'add', `192.168.${k}.1/24`, 'dev', 'lan');
      inNs(ns, IP, 'link', 'set', 'lan', 'up');
      if (nat === 'none') inNs(inet, IP, 'route', 'add', `192.168.${k}.0/24`, 'via', wanAddr);
      else inNs(ns, IPTABLES, '-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE', ...(nat === 'symmetric' ? ['--random-fully'] : []));
      if (filter === 'tcp443') {
        const rule = (...r) => inNs(ns, IPTABLES, '-A', 'FORWARD', ...r);
        rule('-i', 'lan', '-p', 'tcp', '--dport', '443', '-j', 'ACCEPT');
        rule('-i', 'lan', '-p', 'tcp', '-d', hostAddr, '-j', 'ACCEPT');
        rule('-i', 'lan', '-j', 'DROP');
        rule('-i', 'wan', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT');
        rule('-i', 'wan', '-j', 'DROP');
      }
      const router = { name, ns, k, wanAddr, hosts: 0 };
      made.routers.set(name, router);
      return router;
    },

    /**
     * A device. `via`: router names, the first one its network from the start (the others are
     * attached with `switchTo`); or 'internet' for a host on the public segment.
     */
    host(name, { via }) {
      const ns = `${prefix}-${name}`;
      addNs(ns);
      const links = [];
      if (via === 'internet') {
        const addr = `${publicNet}.${100 + ++publicCount}`;
        veth(ns, 'eth0', inet, `p${publicCount}`);
        inNs(inet, IP, 'link', 'set', `p${publicCount}`, 'master', 'br0');
        inNs(ns, IP, 'addr', 'add', `${addr}/24`, 'dev', 'eth0');
        inNs(ns, IP, 'route', 'add', 'default', 'via', relayAddr);
        links.push({ dev: 'eth0', addr, gateway: relayAddr });
      } else {
        via.forEach((routerName, i) => {
          const router = made.routers.get(routerName);
          if (!router) throw new Error(`no router ${routerName}`);
          const dev = `eth${i}`;
          const addr = `192.168.${router.k}.${10 + router.hosts++}`;
          veth(ns, dev, router.ns, `h${made.hosts.size}x${i}`);
          inNs(router.ns, IP, 'link', 'set', `h${made.hosts.size}x${i}`, 'master', 'lan');
          links.push({ dev, addr, gateway: `192.168.${router.k}.1`, router: routerName });
        });
        const first = links[0];
        inNs(ns, IP, 'addr', 'add', `${first.addr}/24`, 'dev', first.dev);
        inNs(ns, IP, 'route', 'add', 'default', 'via', first.gateway);
        // The other networks are there but down, as a phone's 4G before Wi-Fi goes.
        for (const other of links.slice(1)) inNs(ns, IP, 'link', 'set', other.dev, 'down');
      }
      const host = { name, ns, links, current: links[0] };
      made.hosts.set(name, host);
      return host;
    },

    /**
     * A device behind a router (with NAT) through a weak link of our own making: a user-space
     * wire (linkwire.py, TUN devices at both ends) with delay, jitter, loss and a rate, set and
     * changed with `set`. Where the kernel has sch_netem this could be netem; the wire works on
     * every kernel, and its rate is a shaper with a queue, as a carrier's uplink.
     */
    async wiredHost(name, { via }) {
      const router = made.routers.get(via);
      if (!router) throw new Error(`no router ${via}`);
      const ns = `${prefix}-${name}`;
      addNs(ns);
      const child = spawn('python3', [WIRE, router.ns, 'wire', ns, 'eth0'], { stdio: ['pipe', 'pipe', 'inherit'] });
      made.children.add(child);
      child.once('exit', () => made.children.delete(child));
      await new Promise((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          if (out.includes('ready')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`the link wire exited (${code}) before it was ready`)));
      });
      inNs(router.ns, IP, 'addr', 'add', '192.168.200.1/24', 'dev', 'wire');
      inNs(router.ns, IP, 'link', 'set', 'wire', 'up');
      inNs(ns, IP, 'addr', 'add', '192.168.200.10/24', 'dev', 'eth0');
      inNs(ns, IP, 'link', 'set', 'eth0', 'up');
      inNs(ns, IP, 'route', 'add', 'default', 'via', '192.168.200.1');
      const link = { dev: 'eth0', addr: '192.168.200.10', gateway: '192.168.200.1', router: via };
      const host = { name, ns, links: [link], current: link };
      made.hosts.set(name, host);
      return {
        host,
        /** Replaces the impairments: { up: { delayMs, jitterMs, lossPct, rateKbps, queueMs }, down: {…} }; {} for a clean link. */
        set(config) {
          child.stdin.write(`${JSON.stringify(config)}\n`);
        },
      };
    },

    /** The device leaves its network for another (Wi-Fi → 4G): the old interface goes, the new one comes up with its route. */
    switchTo(hostName, routerName) {
      const host = made.hosts.get(hostName);
      const next = host?.links.find((l) => l.router === routerName);
      if (!host || !next) throw new Error(`${hostName} has no link to ${routerName}`);
      const old = host.current;
      inNs(host.ns, IP, 'link', 'set', old.dev, 'down');
      inNs(host.ns, IP, 'addr', 'flush', 'dev', old.dev);
      inNs(host.ns, IP, 'link', 'set', next.dev, 'up');
      inNs(host.ns, IP, 'addr', 'add', `${next.addr}/24`, 'dev', next.dev);
      inNs(host.ns, IP, 'route', 'replace', 'default', 'via', next.gateway);
      host.current = next;
    },

    /** iptables in a namespace, for a blackout or a policer a scenario adds and removes. */
    iptables(ns, ...args) {
      return inNs(ns, IPTABLES, ...args);
    },

    /** An executable that starts Chromium inside the host's namespace (Playwright's executablePath). */
    chromiumIn(hostName, chromium = '/usr/bin/chromium') {
      const host = made.hosts.get(hostName);
      if (!host) throw new Error(`no host ${hostName}`);
      const file = path.join(dir, `chromium-${hostName}.sh`);
      writeFileSync(file, `#!/bin/sh\nexec ${IP} netns exec ${host.ns} ${chromium} "$@"\n`);
      chmodSync(file, 0o755);
      return file;
    },

    /** Starts a program inside a namespace; it is killed by close(). */
    spawnIn(ns, cmd, args, options = {}) {
      const child = spawn(IP, ['netns', 'exec', ns, cmd, ...args], { stdio: 'ignore', ...options });
      made.children.add(child);
      child.once('exit', () => made.children.delete(child));
      return child;
    },

    /** Everything the lab made goes: processes, forwarders, namespaces (with their veths), the host route and link, the files. */
    async close() {
      for (const child of made.children) try { child.kill('SIGKILL'); } catch { /* gone */ }
      await Promise.all(made.closers.map((c) => c().catch(() => undefined)));
      sweep(prefix, hostLink);
      process.off('exit', onExit);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      rmSync(dir, { recursive: true, force: true });
    },

    /** What the lab left on the machine (for the cleanup check): namespaces and host links with its prefix. */
    leftovers() {
      const spaces = ip('netns', 'list').split('\n').map((l) => l.split(' ')[0]).filter((n) => n && n.startsWith(`${prefix}-`));
      const links = ip('-o', 'link', 'show').split('\n').map((l) => l.split(':')[1]?.trim().split('@')[0]).filter((n) => n && n.startsWith(prefix));
      return [...spaces, ...links];
    },
  };
  return lab;
}
