#!/usr/bin/env python3
"""A weak link as a wire between two network namespaces, in user space.

    linkwire.py ROUTER_NS ROUTER_DEV HOST_NS HOST_DEV

Creates a TUN device in each namespace and carries every IP packet between them, one way after
the other's impairments: delay, jitter (order kept, as on most real links), random loss, and a
rate with a queue (a shaper: packets wait their turn, and those that would wait longer than the
queue allows are dropped, as a carrier's uplink does). The network lab uses it where the kernel
has no sch_netem; it stops with its parent (stdin closed).

Impairments arrive as JSON lines on stdin, each replacing the current ones:
    {"up": {"delayMs": 100, "jitterMs": 15, "lossPct": 1.5, "rateKbps": 400, "queueMs": 300},
     "down": {...}}
"up" is from the host to the router. Prints "ready" once both devices exist.
"""
import ctypes
import fcntl
import heapq
import json
import os
import random
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)


def tun_in(namespace: str, name: str) -> int:
    ns = os.open(f"/var/run/netns/{namespace}", os.O_RDONLY)
    try:
        if libc.setns(ns, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {namespace}")
    finally:
        os.close(ns)
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


class Direction:
    def __init__(self) -> None:
        self.set({})
        self.free_at = 0.0  # when the shaper's queue is empty
        self.last_out = 0.0  # the last packet's delivery time (order is kept)

    def set(self, c: dict) -> None:
        self.delay = max(0.0, float(c.get("delayMs", 0))) / 1000
        self.jitter = max(0.0, float(c.get("jitterMs", 0))) / 1000
        self.loss = min(100.0, max(0.0, float(c.get("lossPct", 0)))) / 100
        self.rate = max(0.0, float(c.get("rateKbps", 0))) * 1000 / 8  # bytes per second; 0: unlimited
        self.queue = max(0.0, float(c.get("queueMs", 300))) / 1000

    def schedule(self, size: int, now: float):
        """When this packet comes out, or None when it is lost."""
        if self.loss and random.random() < self.loss:
            return None
        leaves = now
        if self.rate:
            start = max(now, self.free_at)
            if start - now > self.queue:
                return None  # the queue is full
            self.free_at = start + size / self.rate
            leaves = self.free_at
        out = leaves + self.delay + (random.uniform(-self.jitter, self.jitter) if self.jitter else 0)
        out = max(out, self.last_out, now)
        self.last_out = out
        return out


def main() -> None:
    router_ns, router_dev, host_ns, host_dev = sys.argv[1:5]
    router = tun_in(router_ns, router_dev)
    host = tun_in(host_ns, host_dev)
    print("ready", flush=True)
    up, down = Direction(), Direction()
    pending: list = []  # (time, seq, fd, packet)
    seq = 0
    stdin = sys.stdin.fileno()
    buffered = b""
    while True:
        timeout = max(0.0, pending[0][0] - time.monotonic()) if pending else 1.0
        readable, _, _ = select.select([router, host, stdin], [], [], timeout)
        now = time.monotonic()
        for fd in readable:
            if fd == stdin:
                chunk = os.read(stdin, 65536)
                if not chunk:
                    return  # the lab is gone
                buffered += chunk
                while b"\n" in buffered:
                    line, buffered = buffered.split(b"\n", 1)
                    if line.strip():
                        config = json.loads(line)
                        up.set(config.get("up", {}))
                        down.set(config.get("down", {}))
                continue
            while True:
                try:
                    packet = os.read(fd, 65536)
                except BlockingIOError:
                    break
                way, target = (up, router) if fd == host else (down, host)
                at = way.schedule(len(packet), now)
                if at is not None:
                    seq += 1
                    heapq.heappush(pending, (at, seq, target, packet))
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            _, _, target, packet = heapq.heappop(pending)
            try:
                os.write(target, packet)
            except OSError:
                pass  # the device went down: the packet is lost, as on a wire


if __name__ == "__main__":
    main()
