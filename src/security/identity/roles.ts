// Roles, resource kinds and actions, and the permission table the authorization function reads.
export const ROLES = ["admin", "data-owner", "analyst", "user"] as const;
export type Role = (typeof ROLES)[number];

export const RESOURCE_KINDS = ["model", "dataset", "budget", "pipeline", "federation", "vault", "audit", "key"] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/**
 * read: see it and its metadata · use: run it (inference, DP query, training, a federated round,
 * a vault lookup) · write: create, change, delete · govern: attach contracts, set budgets,
 * reveal pseudonyms, manage keys.
 */
export const ACTIONS = ["read", "use", "write", "govern"] as const;
export type Action = (typeof ACTIONS)[number];

export interface Resource {
  kind: ResourceKind;
  /** The tenant that owns it. */
  tenant: string;
  /** Its name or id, for errors and the audit ledger. */
  id?: string;
}

/** Who is calling. Exactly the shape src/server/auth.ts puts on each request. */
export interface Principal {
  id: string;
  tenant: string;
  role: Role;
}

type Table = Record<Role, Partial<Record<ResourceKind, readonly Action[]>>>;
const ALL = ACTIONS;

/** What each role may do inside its own tenant. Anything missing is refused (403). */
export const PERMISSIONS: Table = {
  admin: Object.fromEntries(RESOURCE_KINDS.map((k) => [k, ALL])) as Table["admin"],
  "data-owner": {
    model: ALL, dataset: ALL, budget: ALL, pipeline: ["read", "use", "write"], federation: ALL, vault: ALL,
    audit: ["read"], key: ["read"],
  },
  analyst: {
    model: ["read", "use"], dataset: ["read", "use"], budget: ["read"], pipeline: ["read", "use"], federation: ["read", "use"],
  },
  user: { model: ["read", "use"], pipeline: ["read", "use"] },
};

/**
 * Operator functions an admin performs across tenants: keys (creating a tenant's first data owner)
 * and the audit ledger. Tenants' data (datasets, vaults, models…) stay invisible even to admins.
 */
export const ADMIN_CROSS_TENANT: readonly ResourceKind[] = ["key", "audit"];
