// Free TCP ports for local party meshes (tests, benchmarks, demos). Ports come from [20000, 32000),
// below Linux's default ephemeral range (32768-60999), so an outgoing connection's source port cannot
// take a port between the check here and the party's listen.
import { randomInt } from "node:crypto";
import { createServer } from "node:net";

function tryListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

export async function freeListenPorts(n: number, host = "127.0.0.1"): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) {
    const p = randomInt(20000, 32000);
    if (!ports.has(p) && (await tryListen(p, host))) ports.add(p);
  }
  return [...ports];
}
