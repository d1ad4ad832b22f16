// Trains the name/place/organisation tagger on generated sentences and writes model/ner-weights.json.
// Run: node --import tsx src/privacy/pii/train-ner.ts [sentences=40000] [epochs=8] [bags=4]  (the shipped model; ~1 min)
//      ... --heldout   scores a model on unseen templates and unseen names instead (see heldOutScore).
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { scoreSpans } from "./score.ts";
import { lexicons, plainSentences } from "./lexicon.ts";
import { multiPlaceMarks, tagFeatures, tokenFeatures } from "./features.ts";
import { NameTagger, NER_TAGS, O_MARGIN, skippable, WEIGHTS_URL } from "./ner.ts";
import { Perceptron } from "./perceptron.ts";
import { generateExamples, type SynthExample } from "./synth.ts";
import { maskTokens, tokenize } from "./tokenize.ts";

const MASKED = new Set(["EMAIL_ADDRESS", "URL", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS"]);

// Training randomness protects nothing, so it is a seeded generator (mulberry32): the same command
// gives the same weights.
function seeded(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

const KIND: Record<string, string> = { PERSON: "PER", LOCATION: "LOC", ORGANIZATION: "ORG" };
// Lexicon features are dropped at random on entity tokens so the model also learns shape and context.
const GENERATOR_LEX = new Set(["fn", "ln", "bc", "cn", "st"]);
const LEX_FEATS = new Set(["fn", "ln", "hn", "bc", "ct", "cn", "st", "sa", "sw", "mp=B", "mp=I"]);

export function goldTags(ex: SynthExample, tokens: ReturnType<typeof tokenize>): string[] {
  const tags = tokens.map(() => "O");
  for (const s of ex.spans) {
    const kind = KIND[s.type];
    if (!kind) continue;
    let first = true;
    tokens.forEach((t, i) => {
      if (t.start >= s.start && t.end <= s.end) {
        // Within a postal address each line (street, "City, ST 12345", country) is its own place: the
        // tagger learns that commas and line breaks end a place, and the analyzer joins the parts.
        const brk = s.address && (t.text === "," || t.text === "\n");
        if (brk) {
          first = true;
          return;
        }
        tags[i] = `${first ? "B" : "I"}-${kind}`;
        first = false;
      }
    });
  }
  return tags;
}

/** `bags` models on differently seeded data, averaged into one. */
export function trainBagged(count: number, epochs: number, bags: number, part?: "even" | "odd"): Perceptron {
  const models = Array.from({ length: bags }, (_, b) => train(count, epochs, 7 + b * 101, part));
  return bags === 1 ? models[0]! : Perceptron.mean(models);
}

export function train(count: number, epochs: number, seed = 7, part?: "even" | "odd"): Perceptron {
  const lex = lexicons();
  const data = generateExamples(count, seed, plainSentences(), part).map((ex) => {
    // Inference shows strong pattern findings to the tagger as placeholders; training does the same.
    const masks = ex.spans.filter((sp) => MASKED.has(sp.type) || (sp.type === "DATE_TIME" && !/\p{L}/u.test(ex.text.slice(sp.start, sp.end))));
    const tokens = maskTokens(tokenize(ex.text), masks);
    const marks = multiPlaceMarks(tokens, lex);
    return { tokens, tags: goldTags(ex, tokens), feats: tokens.map((_, i) => tokenFeatures(tokens, i, lex, marks)) };
  });
  const model = new Perceptron(NER_TAGS);
  const randomInt = seeded(seed);
  const scores = new Float64Array(NER_TAGS.length);
  for (let e = 0; e < epochs; e++) {
    let errors = 0;
    let n = 0;
    for (let k = data.length - 1; k > 0; k--) {
      const j = randomInt(k + 1);
      [data[k], data[j]] = [data[j]!, data[k]!];
    }
    for (const d of data) {
      const guessed: string[] = [];
      for (let i = 0; i < d.tokens.length; i++) {
        const prev = guessed[i - 1] ?? "<s>";
        const truth = d.tags[i]!;
        if (skippable(d.tokens[i]!, prev === "<s>" ? "O" : prev) && truth === "O") {
          guessed.push("O");
          continue;
        }
        let f = d.feats[i]!;
        // Dropout on entity tokens: lexicons now and then, the word itself often, so that shape,
        // context and lexicons (not memorised training names) carry the decision.
        // The faker lexicons (fn, ln, cities...) list exactly the names the generator drew, which real
        // text will not: each is dropped on its own a quarter of the time (chosen on generated sentences
        // whose names are outside those lexicons), so that the independent lexicons
        // (humannames, common words, GeoNames) and context learn to carry the decision too.
        if (truth !== "O") {
          const dropLex = randomInt(5) === 0;
          const dropWord = randomInt(2) === 0;
          f = f.filter((x) => !(dropLex && LEX_FEATS.has(x)) && !(dropWord && (x.startsWith("w=") || x.startsWith("suf") || x.startsWith("pre="))) && !(GENERATOR_LEX.has(x) && randomInt(4) === 0));
        }
        f = [...f, ...tagFeatures(prev, guessed[i - 2] ?? "<s>", d.tokens[i]!.text)];
        const g = model.predict(f, scores);
        const t = NER_TAGS.indexOf(truth);
        model.update(f, t, g);
        if (g !== t) errors++;
        n++;
        // Teacher forcing keeps the history features clean while learning.
        guessed.push(truth);
      }
    }
    process.stderr.write(`epoch ${e + 1}: ${errors}/${n} token errors\n`);
  }
  return model;
}

/**
 * The check behind the training choices: train on even-numbered templates, score on sentences from
 * the odd ones whose person names are replaced by humannames entries outside the faker lexicons, so
 * both the sentence shapes and the names are unseen. Generated data only; the evaluation set is
 * never used to choose anything.
 */
export function heldOutScore(count: number, epochs: number, bags: number, margins: number[] = [O_MARGIN]): ReturnType<typeof scoreSpans>[] {
  const lex = lexicons();
  const require = createRequire(import.meta.url);
  const pool = Object.keys(require("humannames") as Record<string, number>).filter(
    (w) => /^[A-Z][a-z]{3,10}$/.test(w) && !lex.firstNames.has(w) && !lex.lastNames.has(w) && !lex.commonWords.has(w.toLowerCase()) && !lex.cities.has(w),
  );
  const rnd = seeded(4242);
  const dev = generateExamples(3000, 99, plainSentences(), "odd").map((e) => {
    let text = "";
    let last = 0;
    const spans: SynthExample["spans"] = [];
    for (const sp of [...e.spans].sort((a, b) => a.start - b.start)) {
      text += e.text.slice(last, sp.start);
      const orig = e.text.slice(sp.start, sp.end);
      const v = sp.type !== "PERSON" ? orig : orig.includes(" ") ? `${pool[rnd(pool.length)]} ${pool[rnd(pool.length)]}` : pool[rnd(pool.length)]!;
      spans.push({ ...sp, start: text.length, end: text.length + v.length });
      text += v;
      last = sp.end;
    }
    return { text: text + e.text.slice(last), spans };
  });
  const tagger = new NameTagger(trainBagged(count, epochs, bags, "even"));
  const gold = dev.map((e) => e.spans.filter((sp) => KIND[sp.type]).map((sp) => ({ type: sp.type, start: sp.start, end: sp.end })));
  return margins.map((m) => {
    tagger.oMargin = m;
    // The parts of a postal address stay apart, as the generator labels them (the analyzer's default).
    return scoreSpans(gold, dev.map((e) => tagger.find(e.text, [], false)));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const heldout = process.argv.includes("--heldout");
  const [count = 40000, epochs = 8, bags = 4] = process.argv.slice(2).filter((a) => !a.startsWith("--")).map(Number);
  if (heldout) {
    const margins = (process.env.MARGINS ?? String(O_MARGIN)).split(",").map(Number);
    heldOutScore(count, epochs, Math.min(bags, 2), margins).forEach((r, i) => {
      const t = Object.entries(r.per_type).map(([k, v]) => `${k} ${v.f2}`).join(" ");
      process.stdout.write(`margin ${margins[i]}: F2 ${r.overall.f2} P ${r.overall.precision} R ${r.overall.recall} | ${t}\n`);
    });
  } else {
    const weights = trainBagged(count, epochs, bags).export(0.05);
    mkdirSync(new URL("./model/", import.meta.url), { recursive: true });
    writeFileSync(WEIGHTS_URL, JSON.stringify(weights));
    process.stderr.write(`${Object.keys(weights.weights).length} features written\n`);
  }
}
