export { buildServer, type ServerOptions } from "./app.ts";
export { AuthenticationError, bearerToken, singleKey, type Authenticator, type Principal } from "./auth.ts";
export { toOpenAiError } from "./errors.ts";
