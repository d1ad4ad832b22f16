// Deterministic, diverse test lines for checking our tokenizer against llama.cpp's: scripts, emoji
// sequences, whitespace runs, digits, punctuation and contractions, mixed. Same (n, seed), same lines.

/** splitmix32: a tiny seeded generator; plenty for picking test strings. */
function generator(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 0x1_0000_0000;
  };
}

const WORDS = {
  english: "the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her she there would their we him been has when who will more no if out so said what up its about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three".split(" "),
  contractions: ["don't", "I'm", "we've", "they'll", "she'd", "it's", "you're", "can't", "won't", "I'd", "DON'T", "I'M", "WE'VE", "THEY'LL", "SHE'D", "IT'S", "YOU'RE", "It'S", "You'Re", "we'Ve", "o'clock", "rock'n'roll", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "''", "'", "'x", "Jones'", "’s", "don’t"],
  accented: ["café", "naïve", "Straße", "œuvre", "Ångström", "São Paulo", "jalapeño", "façade", "coöperate", "Dvořák", "Łódź", "Ærøskøbing", "crème brûlée", "cafe\u0301", "n\u0303o", "e\u0301\u0302\u0323", "ǅemal", "ﬁnance", "Ĳssel"],
  greek: ["Καλημέρα", "κόσμε", "Ελλάδα", "ΑΒΓΔ", "λόγος", "ψυχή", "ἀρχῇ"],
  cyrillic: ["Привет", "мир", "Москва", "ЁЖИК", "щётка", "Україна", "Ђорђе", "ѣ"],
  cjk: ["你好", "世界", "中华人民共和国", "東京", "こんにちは", "カタカナ", "ｶﾀｶﾅ", "漢字かな交じり文", "〇", "々", "𠀋", "𪚥"],
  hangul: ["안녕하세요", "한국어", "세계", "ㄱㄴㄷ", "훈민정음"],
  arabic: ["مرحبا", "العالم", "السلام عليكم", "שלום", "עולם", "नमस्ते", "हिन्दी", "สวัสดี", "ภาษาไทย", "ሰላም", "ᚠᚢᚦ"],
  emoji: ["😀", "👍", "👍🏽", "👩🏿‍💻", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🏴‍☠️", "❤️", "❤️‍🔥", "🇺🇸", "🇯🇵", "🇩🇪🇫🇷", "🇦", "1️⃣", "#️⃣", "🧑‍🤝‍🧑", "😀😃😄", "✌🏻", "🦄", "🤷‍♀️", "©️", "™", "☃"],
  symbols: ["€", "£", "$", "¥", "©", "®", "°", "±", "→", "⇒", "∑", "∞", "≠", "½", "²", "³", "¹", "①", "Ⅻ", "ⅷ", "١٢٣", "٤٥٦", "१२३", "１２３", "𝟘𝟙", "𝔸𝔹", "ª", "º", "µ", "ß", "ǈ", "ʰ", "々", "\u00ad", "\u200b", "\u200d", "\u2060", "\ufe0f", "\u0301", "\u0000", "\u0007", "\u007f", "\u0085", "\ufeff", "\ufffd", "\u{e000}", "\u{10ffff}", "\u{1c89}", "\u{a7cb}", "\u{105c0}", "\u{1e5d0}", "\u{16d40}"],
  punctuation: [".", ",", "!", "?", ";", ":", "...", "?!", "!!!", "—", "–", "-", "--", "(", ")", "[", "]", "{", "}", "<", ">", "\"", "“", "”", "«", "»", "‘", "’", "/", "\\", "|", "@", "#", "%", "^", "&", "*", "_", "=", "+", "~", "`", "<|endoftext|>", "<s>", "</s>", "http://example.com/a?b=c&d=e", "user@example.org", "C++", "a_b", "x=1;y=2"],
  spaces: [" ", "  ", "   ", "    ", "        ", "\t", "\t\t", " \t", "\t ", "\n", "\n\n", "\n\n\n", "\r\n", "\r\n\r\n", " \n", "\n ", "  \n  ", "\u00a0", "\u3000", "\u2009", "\u2003", "\u000b", "\u000c", "\u2028", "\u0085", " \u00a0 "],
};

type Pool = keyof typeof WORDS;
const POOLS = Object.keys(WORDS) as Pool[];

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

function digits(rand: () => number): string {
  const kind = Math.floor(rand() * 6);
  const run = (n: number): string => Array.from({ length: n }, () => Math.floor(rand() * 10)).join("");
  if (kind === 0) return run(1 + Math.floor(rand() * 3));
  if (kind === 1) return run(8 + Math.floor(rand() * 40)); // long runs
  if (kind === 2) return `${run(1 + Math.floor(rand() * 3))}.${run(1 + Math.floor(rand() * 6))}`;
  if (kind === 3) return `${run(1)},${run(3)},${run(3)}`;
  if (kind === 4) return `${run(4)}-${run(2)}-${run(2)}`;
  return `${run(2)}%`;
}

/** One "word" from a pool, sometimes altered in case. */
function item(rand: () => number, pool: Pool): string {
  const w = pick(rand, WORDS[pool]);
  const r = rand();
  if (pool === "english" && r < 0.15) return w.toUpperCase();
  if (pool === "english" && r < 0.3) return w.charAt(0).toUpperCase() + w.slice(1);
  return w;
}

function separator(rand: () => number): string {
  const r = rand();
  if (r < 0.7) return " ";
  if (r < 0.8) return "";
  return pick(rand, WORDS.spaces);
}

function line(rand: () => number): string {
  const style = rand();
  // Mostly one script per line with others mixed in; some lines are pure noise.
  const main: Pool = style < 0.35 ? "english" : pick(rand, POOLS);
  const length = 1 + Math.floor(rand() * (rand() < 0.1 ? 80 : 16));
  let s = rand() < 0.15 ? pick(rand, WORDS.spaces) : "";
  for (let i = 0; i < length; i++) {
    const r = rand();
    let w: string;
    if (r < 0.1) w = digits(rand);
    else if (r < 0.55) w = item(rand, main);
    else w = item(rand, pick(rand, POOLS));
    if (rand() < 0.1) w += pick(rand, WORDS.punctuation);
    if (rand() < 0.05) w = pick(rand, WORDS.contractions) + w;
    s += (i === 0 ? "" : separator(rand)) + w;
  }
  if (rand() < 0.2) s += pick(rand, WORDS.spaces);
  if (rand() < 0.05) s += pick(rand, WORDS.spaces) + pick(rand, WORDS.spaces);
  return s;
}

/** `n` test lines, the same for the same `seed`. */
export function parityCorpus(n: number, seed: number): string[] {
  const rand = generator(seed);
  return Array.from({ length: n }, () => line(rand));
}
