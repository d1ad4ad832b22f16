export { buildServer, type ServerOptions } from "./app.ts";
export type { Principal } from "./auth.ts";
export { toOpenAiError } from "./errors.ts";
