import { readFileSync } from 'node:fs';
import { freePort } from '../../../lib/local/processes';

describe('freePort', () => {
  it("hands out each port once, from this worker's own slice below the kernel's ephemeral range", async () => {
    const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    const span = Math.floor((ephemeralLow - 10_000) / 8);
    const low = 10_000 + ((Number(process.env.JEST_WORKER_ID) || 1) - 1) % 8 * span;

    const ports = [];
    for (let i = 0; i < 200; i += 1) ports.push(await freePort());

    expect(new Set(ports).size).toBe(200);
    expect(ports.every((port) => port >= low && port < low + span && port < ephemeralLow)).toBe(true);
  });
});
