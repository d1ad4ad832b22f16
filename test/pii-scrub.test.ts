// Dataset scrubbing and the pii/data CLI commands, driven through runCli with captured streams.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { scrubFile, scrubLines } from "../src/privacy/pii/index.ts";
import { runCli } from "../src/cli/run.ts";
import { piiAnalyzeCommand } from "../src/cli/commands/pii-analyze.ts";
import { piiAnonymizeCommand } from "../src/cli/commands/pii-anonymize.ts";
import { dataScrubCommand } from "../src/cli/commands/data-scrub.ts";

const commands = [piiAnalyzeCommand, piiAnonymizeCommand, dataScrubCommand];
const CANARIES = ["John Smith", "zq.canary@example.com", "4111 1111 1111 1111", "123-45-6788"];

function sink(): { stream: Writable; text: () => string } {
  let s = "";
  return { stream: new Writable({ write(c, _e, cb) { s += c.toString(); cb(); } }), text: () => s };
}

async function cli(argv: string[], stdin = ""): Promise<{ code: number; out: string; err: string }> {
  const out = sink();
  const err = sink();
  const input = new PassThrough();
  input.end(stdin);
  const code = await runCli(commands, argv, { stdout: out.stream, stderr: err.stream, debug: false, stdin: input } as Parameters<typeof runCli>[2]);
  return { code, out: out.text(), err: err.text() };
}

function withDir<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "llmos-pii-scrub-"));
  return f(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test("scrubFile streams .txt and .jsonl, replaces every canary and counts per type", () =>
  withDir(async (dir) => {
    const txt = join(dir, "in.txt");
    writeFileSync(txt, `Hello ${CANARIES[0]}, mail ${CANARIES[1]}\ncard ${CANARIES[2]} ssn ${CANARIES[3]}\n\nno pii here\n`);
    const r = await scrubFile(txt, join(dir, "out.txt"));
    const out = readFileSync(join(dir, "out.txt"), "utf8");
    for (const c of CANARIES) assert.ok(!out.includes(c), `canary ${c.slice(0, 4)}…`);
    assert.equal(out.split("\n").length, 5);
    assert.ok(out.includes("no pii here"));
    assert.equal(r.lines, 4);
    assert.equal(r.entities.EMAIL_ADDRESS, 1);
    assert.equal(r.entities.CREDIT_CARD, 1);
    assert.equal(r.entities.US_SSN, 1);

    const jsonl = join(dir, "in.jsonl");
    writeFileSync(jsonl, `${JSON.stringify({ id: 7, text: `I am ${CANARIES[0]}`, meta: { email: CANARIES[1] } })}\n`);
    await scrubFile(jsonl, join(dir, "out.jsonl"));
    const row = JSON.parse(readFileSync(join(dir, "out.jsonl"), "utf8")) as { id: number; text: string; meta: { email: string } };
    assert.equal(row.id, 7);
    assert.ok(!row.text.includes("Smith") && row.meta.email === "<EMAIL_ADDRESS_1>");
  }));

test("scrubLines scrubs a stream of JSONL lines for a trainer, counting per type", async () => {
  async function* src(): AsyncIterable<string> {
    yield JSON.stringify({ text: `mail ${CANARIES[1]}` });
    yield "";
    yield JSON.stringify({ text: "nothing here" });
  }
  const counts: Record<string, number> = {};
  const out: string[] = [];
  for await (const l of scrubLines(src(), { format: "jsonl", counts })) out.push(l);
  assert.equal(out.length, 3);
  assert.ok(!out[0]!.includes(CANARIES[1]!));
  assert.equal(counts.EMAIL_ADDRESS, 1);
});

test("a bad JSONL line fails without quoting its content and leaves no output file", () =>
  withDir(async (dir) => {
    const jsonl = join(dir, "bad.jsonl");
    writeFileSync(jsonl, `{"text": "ok"}\n{not json ${CANARIES[1]}\n`);
    await assert.rejects(scrubFile(jsonl, join(dir, "out.jsonl")), (e: Error) => /line 2/.test(e.message) && !e.message.includes(CANARIES[1]!));
    assert.throws(() => readFileSync(join(dir, "out.jsonl")));
  }));

test("llmos pii analyze --jsonl: one entities line per input line, in order", async () => {
  const input = [{ text: "mail a@b.co" }, { text: "nothing" }, { text: `card ${CANARIES[2]}` }].map((x) => JSON.stringify(x)).join("\n");
  const r = await cli(["pii", "analyze", "--jsonl"], input);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split("\n").map((l) => JSON.parse(l) as { entities: { type: string; start: number; end: number; score: number }[] });
  assert.equal(lines.length, 3);
  assert.deepEqual(lines[0]!.entities.map((e) => [e.type, e.start, e.end]), [["EMAIL_ADDRESS", 5, 11]]);
  assert.deepEqual(lines[1]!.entities, []);
  assert.equal(lines[2]!.entities[0]!.type, "CREDIT_CARD");
  assert.ok(!r.out.includes("a@b.co"), "values are never printed");
});

test("llmos pii analyze reads plain stdin; bad input names the line, not its content", async () => {
  const r = await cli(["pii", "analyze"], "write to a@b.co");
  assert.deepEqual((JSON.parse(r.out) as { entities: { type: string }[] }).entities.map((e) => e.type), ["EMAIL_ADDRESS"]);
  const bad = await cli(["pii", "analyze", "--jsonl"], `{"text": "x"}\nnot json ${CANARIES[1]}`);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /input line 2/);
  assert.ok(!bad.err.includes(CANARIES[1]!));
});

test("llmos pii anonymize with replace, mask and encrypt (key from file)", () =>
  withDir(async (dir) => {
    const text = `${CANARIES[0]} paid with ${CANARIES[2]}`;
    assert.equal((await cli(["pii", "anonymize"], text)).out, "<PERSON_1> paid with <CREDIT_CARD_1>");
    assert.match((await cli(["pii", "anonymize", "--operator", "mask", "--entities", "CREDIT_CARD"], text)).out, /\*{4} \*{4} \*{4} 1111/);
    const keyFile = join(dir, "key.hex");
    writeFileSync(keyFile, "11".repeat(32));
    const enc = await cli(["pii", "anonymize", "--operator", "encrypt", "--key-file", keyFile], text);
    assert.equal(enc.code, 0, enc.err);
    assert.ok(enc.out.includes("enc:") && !enc.out.includes("1111"));
    const noKey = await cli(["pii", "anonymize", "--operator", "hash"], text);
    assert.equal(noKey.code, 2);
    assert.match(noKey.err, /--key-file/);
    assert.equal((await cli(["pii", "anonymize", "--operator", "shred"], text)).code, 2);
  }));

test("llmos data scrub <in> <out> --report writes counts per type, no values", () =>
  withDir(async (dir) => {
    const input = join(dir, "corpus.txt");
    writeFileSync(input, `${CANARIES.join(" and ")}\n`);
    const report = join(dir, "report.json");
    const r = await cli(["data", "scrub", input, join(dir, "clean.txt"), "--report", report]);
    assert.equal(r.code, 0, r.err);
    const rep = JSON.parse(readFileSync(report, "utf8")) as { entities: Record<string, number>; lines: number };
    assert.equal(rep.lines, 1);
    assert.equal(rep.entities.US_SSN, 1);
    for (const c of CANARIES) assert.ok(!readFileSync(report, "utf8").includes(c) && !r.out.includes(c));
    assert.equal((await cli(["data", "scrub", input])).code, 2);
  }));
