// Runs n parties of one program in this process over an in-memory network and a local dealer
// (unit tests, benchmarks, and a reference for what the networked parties compute).
import { localDealer } from "./dealer.ts";
import { DEFAULT_FIXED, type FixedParams } from "./fixed.ts";
import { Session } from "./session.ts";
import { memoryNetwork, type Transport } from "./transport.ts";

export async function runLocal<T>(
  n: number,
  program: (s: Session) => Promise<T>,
  opts: { fixed?: FixedParams; tap?: Parameters<typeof memoryNetwork>[1]; transports?: Transport[] } = {},
): Promise<T[]> {
  const nets = opts.transports ?? memoryNetwork(n, opts.tap);
  const dealers = localDealer(n);
  const sessions = nets.map((t, i) => new Session(t, dealers[i]!, opts.fixed ?? DEFAULT_FIXED));
  try {
    return await Promise.all(sessions.map((s) => program(s)));
  } catch (e) {
    await Promise.all(nets.map((t) => t.close()));
    throw e;
  }
}
