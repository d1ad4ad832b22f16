// The reference monitor's one decision (DESIGN.md invariant 4): from (principal, action, resource)
// to allow, 404 for another tenant's resource (its existence stays hidden) or 403 inside the tenant.
import { NotFoundError } from "../../errors/index.ts";
import { ForbiddenError } from "../errors.ts";
import { ADMIN_CROSS_TENANT, PERMISSIONS, type Action, type Principal, type Resource } from "./roles.ts";

export type Decision = { allow: true } | { allow: false; status: 403 | 404; reason: string };

/** Pure: the decision without throwing, for tables, tests and the audit ledger. */
export function decide(principal: Principal, action: Action, resource: Resource): Decision {
  const crossTenant = principal.role === "admin" && ADMIN_CROSS_TENANT.includes(resource.kind);
  if (resource.tenant !== principal.tenant && !crossTenant) return { allow: false, status: 404, reason: "other-tenant" };
  const allowed = PERMISSIONS[principal.role]?.[resource.kind] ?? [];
  if (!allowed.includes(action)) return { allow: false, status: 403, reason: `role:${principal.role}` };
  return { allow: true };
}

/** Throws NotFoundError (404) or ForbiddenError (403) unless the principal may do `action` on `resource`. */
export function authorize(principal: Principal, action: Action, resource: Resource): void {
  const d = decide(principal, action, resource);
  if (d.allow) return;
  if (d.status === 404) throw new NotFoundError(resource.kind, resource.id ?? "(unnamed)");
  throw new ForbiddenError(principal.role, action, resource.kind);
}
