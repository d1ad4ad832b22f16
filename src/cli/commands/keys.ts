// `llmos keys create|list|revoke|rotate-master`: API keys and the master key, run by the local
// operator (who holds the data directory) and recorded on the audit ledger.
import { InvalidArgumentError } from "../../errors/index.ts";
import { checkRole, localOperator, withKernel } from "../../security/index.ts";
import { DATA_DIR_FLAG, dataDirFrom, parseFlags } from "../args.ts";
import type { Command } from "../command.ts";

const DIR_USAGE = "  --data-dir  the data directory (default ~/.llmos, or LLMOS_DATA_DIR); database <data-dir>/llmos.db";

export const keysCreateCommand: Command = {
  path: ["keys", "create"],
  summary: "Create an API key for a role in a tenant (printed once)",
  usage: ["llmos keys create --role admin|data-owner|analyst|user --tenant T [--name N] [--json] [--data-dir D]", DIR_USAGE].join("\n"),
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(argv, { role: { type: "string" }, tenant: { type: "string" }, name: { type: "string" }, json: { type: "boolean" }, ...DATA_DIR_FLAG });
    if (positionals.length > 0) throw new InvalidArgumentError("arguments", `unexpected '${positionals[0]!.slice(0, 40)}'`);
    if (values.role === undefined) throw new InvalidArgumentError("--role", "is required (admin, data-owner, analyst or user)");
    if (values.tenant === undefined) throw new InvalidArgumentError("--tenant", "is required");
    const role = checkRole(values.role);
    const created = await withKernel(dataDirFrom(values["data-dir"]), (k) =>
      k.createKey(localOperator(), { role, tenant: values.tenant!, ...(values.name !== undefined ? { name: values.name } : {}) }));
    if (values.json) ctx.stdout.write(`${JSON.stringify({ ...created.principal, key: created.key })}\n`);
    else {
      ctx.stdout.write(`${created.key}\n`);
      ctx.stderr.write(`created key ${created.principal.id} (${role} in tenant ${created.principal.tenant}); it is shown only this once\n`);
    }
    return 0;
  },
};

export const keysListCommand: Command = {
  path: ["keys", "list"],
  summary: "List API keys (ids, roles, tenants; never secrets)",
  usage: ["llmos keys list [--tenant T] [--json] [--data-dir D]", DIR_USAGE].join("\n"),
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(argv, { tenant: { type: "string" }, json: { type: "boolean" }, ...DATA_DIR_FLAG });
    if (positionals.length > 0) throw new InvalidArgumentError("arguments", `unexpected '${positionals[0]!.slice(0, 40)}'`);
    const keys = (await withKernel(dataDirFrom(values["data-dir"]), (k) => k.listKeys(localOperator())))
      .filter((p) => values.tenant === undefined || p.tenant === values.tenant);
    if (values.json) ctx.stdout.write(`${JSON.stringify(keys)}\n`);
    else {
      const rows = [["ID", "ROLE", "TENANT", "NAME", "CREATED", "REVOKED"], ...keys.map((p) => [p.id, p.role, p.tenant, p.name, p.created, p.revoked ?? "-"])];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) ctx.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()}\n`);
    }
    return 0;
  },
};

export const keysRevokeCommand: Command = {
  path: ["keys", "revoke"],
  summary: "Revoke an API key by its id",
  usage: ["llmos keys revoke <id> [--data-dir D]", DIR_USAGE].join("\n"),
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(argv, { ...DATA_DIR_FLAG });
    const id = positionals[0];
    if (positionals.length !== 1 || !id) throw new InvalidArgumentError("id", "give exactly one key id (see 'llmos keys list')");
    if (!/^[0-9a-f]{12}$/.test(id)) throw new InvalidArgumentError("id", "must be the 12 hex digits of a key id (the part after 'llmos_')");
    const p = await withKernel(dataDirFrom(values["data-dir"]), (k) => k.revokeKey(localOperator(), id));
    ctx.stdout.write(`revoked ${p.id} (${p.role} in tenant ${p.tenant}) at ${p.revoked}\n`);
    return 0;
  },
};

export const keysRotateMasterCommand: Command = {
  path: ["keys", "rotate-master"],
  summary: "Replace the master key and re-wrap every data key under it",
  usage: [
    "llmos keys rotate-master [--data-dir D]",
    DIR_USAGE,
    "  with LLMOS_MASTER_KEY set, also set LLMOS_NEW_MASTER_KEY (64 hex digits) and switch LLMOS_MASTER_KEY to it afterwards",
  ].join("\n"),
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(argv, { ...DATA_DIR_FLAG });
    if (positionals.length > 0) throw new InvalidArgumentError("arguments", `unexpected '${positionals[0]!.slice(0, 40)}'`);
    const r = await withKernel(dataDirFrom(values["data-dir"]), (k) => k.rotateMaster(localOperator()));
    ctx.stdout.write(`master key ${r.from} → ${r.to}: re-wrapped ${r.rewrapped} data keys; new key in ${r.keyLocation}\n`);
    return 0;
  },
};

export const keysCommands: Command[] = [keysCreateCommand, keysListCommand, keysRevokeCommand, keysRotateMasterCommand];
