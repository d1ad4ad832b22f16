// `npm run bench -- pii`: the PII evaluation (accuracy against presidio-research's synthetic set,
// peers side by side, analyzer MB/s on one core) plus the stream guard's overhead per chunk.
import { evaluatePii } from "../scripts/eval-pii.ts";
import { Analyzer, DEFAULT_REMOTE_POLICY, guardStream, PseudonymMap } from "../src/privacy/pii/index.ts";
import type { StreamPart } from "../src/runtime/stream.ts";

async function streamOverhead(): Promise<Record<string, number>> {
  const analyzer = new Analyzer();
  const map = new PseudonymMap();
  const people = ["Ann Lee", "Bob Stone", "Carla Diaz", "Dmitri Volkov"].map((p) => map.surrogate("PERSON", p));
  const words = `Thanks for asking. ${people.join(" met ")} yesterday; write to them at the office or call back later. `.split(/(?<=\s)/);
  const chunks = Array.from({ length: 4000 }, (_, i) => words[i % words.length]!);
  async function* source(): AsyncIterable<StreamPart> {
    for (const text of chunks) yield { type: "text-delta", text };
    yield { type: "finish", finishReason: "stop", usage: { promptTokens: 1, completionTokens: chunks.length } };
  }
  async function* plain(): AsyncIterable<StreamPart> {
    yield* source();
  }
  const time = async (it: AsyncIterable<StreamPart>) => {
    const t0 = performance.now();
    for await (const _ of it) void _;
    return performance.now() - t0;
  };
  await time(guardStream(source(), { pseudonyms: map, reidentify: true, analyzer, policy: DEFAULT_REMOTE_POLICY }));
  const base = await time(plain());
  const reid = await time(guardStream(source(), { pseudonyms: map, reidentify: true }));
  const scan = await time(guardStream(source(), { pseudonyms: map, reidentify: true, analyzer, policy: DEFAULT_REMOTE_POLICY }));
  const per = (ms: number) => Math.round(((ms - base) / chunks.length) * 10000) / 10000;
  return { chunks: chunks.length, ms_per_chunk_reidentify: per(reid), ms_per_chunk_reidentify_and_scan: per(scan), holdback_chars: map.longestSurrogate };
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const result = await evaluatePii({ peers: !args.includes("--no-peers") });
  return { ...result, stream_guard: await streamOverhead() };
}
