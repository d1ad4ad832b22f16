// Who is calling: the security kernel's hook turns the bearer key into a Principal on every request
// but /health (src/security/http.ts declares `request.principal`).
export type { Principal } from "../security/index.ts";
