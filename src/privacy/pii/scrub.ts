// Dataset scrubbing ("privacy elimination"): .txt and .jsonl corpora line by line through
// readline, so memory stays constant whatever the file size; writes to a temporary file that is
// renamed over the output only when the whole input was processed.
import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { createInterface } from "node:readline";
import { once } from "node:events";
import { CorruptFileError, InvalidArgumentError } from "../../errors/index.ts";
import { anonymize, type AnonymizeOptions } from "./anonymize.ts";
import { Analyzer } from "./analyzer.ts";
import { PseudonymMap } from "./pseudonyms.ts";

export interface ScrubReport {
  format: "txt" | "jsonl";
  lines: number;
  bytesIn: number;
  /** Findings per entity type. */
  entities: Record<string, number>;
  seconds: number;
}

export interface ScrubOptions extends AnonymizeOptions {
  analyzer?: Analyzer;
  /** Default: from the input's extension. */
  format?: "txt" | "jsonl";
}

export function formatOf(path: string): "txt" | "jsonl" {
  if (/\.jsonl$/i.test(path)) return "jsonl";
  if (/\.txt$/i.test(path)) return "txt";
  throw new InvalidArgumentError("input", "must end in .txt or .jsonl");
}

/** Scrubs one line of text; counts findings into `counts`. */
export function scrubText(text: string, analyzer: Analyzer, options: AnonymizeOptions, counts: Record<string, number>): string {
  const findings = analyzer.analyze(text);
  for (const f of findings) counts[f.type] = (counts[f.type] ?? 0) + 1;
  return findings.length ? anonymize(text, findings, options).text : text;
}

function scrubValue(v: unknown, analyzer: Analyzer, options: AnonymizeOptions, counts: Record<string, number>): unknown {
  if (typeof v === "string") return scrubText(v, analyzer, options, counts);
  if (Array.isArray(v)) return v.map((x) => scrubValue(x, analyzer, options, counts));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrubValue(x, analyzer, options, counts)]));
  return v;
}

/**
 * Scrubs lines on the way into another consumer (a trainer's `--scrub`): .txt lines or JSONL
 * objects in, scrubbed lines out, one at a time; `counts` collects findings per entity type.
 */
export async function* scrubLines(lines: AsyncIterable<string>, options: ScrubOptions & { counts?: Record<string, number> } = {}): AsyncIterable<string> {
  const format = options.format ?? "txt";
  const analyzer = options.analyzer ?? new Analyzer();
  const counts = options.counts ?? {};
  const opts = { ...options, pseudonyms: options.pseudonyms ?? new PseudonymMap() };
  let n = 0;
  for await (const line of lines) {
    n++;
    if (format === "txt" || line.trim() === "") {
      yield format === "txt" ? scrubText(line, analyzer, opts, counts) : line;
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (cause) {
      throw new CorruptFileError("input", `line ${n} is not valid JSON`, { cause });
    }
    yield JSON.stringify(scrubValue(parsed, analyzer, opts, counts));
  }
}

/** Streams `input` to `output` with every finding anonymized (default operator: replace). */
export async function scrubFile(input: string, output: string, options: ScrubOptions = {}): Promise<ScrubReport> {
  const format = options.format ?? formatOf(input);
  const analyzer = options.analyzer ?? new Analyzer();
  // One map per file keeps placeholders such as <PERSON_3> consistent across the corpus, but the map
  // grows with distinct values; a fresh map per 10,000 lines bounds memory.
  let map = options.pseudonyms ?? new PseudonymMap();
  const counts: Record<string, number> = {};
  const started = performance.now();
  const tmp = `${output}.tmp-${process.pid}`;
  const out = createWriteStream(tmp, { encoding: "utf8" });
  const src = createReadStream(input, { encoding: "utf8" });
  const rl = createInterface({ input: src, crlfDelay: Infinity });
  let lines = 0;
  let bytesIn = 0;
  try {
    for await (const line of rl) {
      lines++;
      bytesIn += Buffer.byteLength(line) + 1;
      if (!options.pseudonyms && lines % 10_000 === 0) map = new PseudonymMap();
      const opts = { ...options, pseudonyms: map };
      let result: string;
      if (format === "jsonl") {
        if (line.trim() === "") {
          result = line;
        } else {
          let parsed: unknown;
          try {
            parsed = JSON.parse(line);
          } catch (cause) {
            // The line's content is not quoted: it may hold PII.
            throw new CorruptFileError(input, `line ${lines} is not valid JSON`, { cause });
          }
          result = JSON.stringify(scrubValue(parsed, analyzer, opts, counts));
        }
      } else {
        result = scrubText(line, analyzer, opts, counts);
      }
      if (!out.write(`${result}\n`)) await once(out, "drain");
    }
    out.end();
    await once(out, "finish");
    await rename(tmp, output);
  } catch (error) {
    // Writes still queued fail once the stream is destroyed; the first error is the one to report.
    out.on("error", () => {});
    if (!out.closed) {
      const closed = new Promise<void>((resolve) => out.once("close", () => resolve()));
      out.destroy();
      await closed;
    }
    await rm(tmp, { force: true });
    throw error;
  } finally {
    rl.close();
    src.destroy();
  }
  return { format, lines, bytesIn, entities: counts, seconds: Math.round((performance.now() - started) / 10) / 100 };
}
