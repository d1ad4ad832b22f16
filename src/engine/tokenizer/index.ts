// Public surface of the byte-level BPE tokenizer (GPT-2 style, llama.cpp-compatible ids).
export { BpeTokenizer } from "./bpe.ts";
export { trainBpe, type TrainBpeOptions } from "./trainer.ts";
export { END_OF_TEXT, type TokenizerJson } from "./json.ts";
export { pretokenize } from "./pretokenize.ts";
export { BYTE_TO_CHAR } from "./bytes.ts";
export { parityCorpus } from "./parity-corpus.ts";
