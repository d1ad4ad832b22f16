export { buildServer, type ServedModel, type ServerOptions } from "./app.ts";
export { toOpenAiError } from "./errors.ts";
