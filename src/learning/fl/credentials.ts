// Startup kits (like NVFlare's): one project CA, a coordinator credential and one credential per site,
// each a JSON file with the CA certificate, the holder's certificate and private key, for mutual TLS.
import { chmod, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { commonNameOf, createCa, issueCertificate } from "../../security/pki/index.ts";
import { CorruptFileError, InvalidArgumentError, NotFoundError } from "../../errors/index.ts";
import { writeFileAtomic } from "../../store/index.ts";

export const credentialSchema = z.object({
  role: z.enum(["coordinator", "site"]),
  name: z.string(),
  caPem: z.string().includes("BEGIN CERTIFICATE"),
  certPem: z.string().includes("BEGIN CERTIFICATE"),
  keyPem: z.string().includes("PRIVATE KEY"),
}).strict();
export type FlCredential = z.infer<typeof credentialSchema>;

export interface ProvisionOptions {
  out: string;
  sites: string[];
  /** Names and addresses sites will use to reach the coordinator (its certificate's SANs). */
  hosts: string[];
  federation?: string;
}

export interface ProvisionResult {
  ca: string;
  coordinator: string;
  sites: Record<string, string>;
}

async function writeSecret(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
  await chmod(path, 0o600);
}

export async function provisionFederation(o: ProvisionOptions): Promise<ProvisionResult> {
  if (o.sites.length === 0) throw new InvalidArgumentError("--sites", "name at least one site");
  if (new Set(o.sites).size !== o.sites.length) throw new InvalidArgumentError("--sites", "site names must be distinct");
  for (const s of o.sites) if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(s)) throw new InvalidArgumentError("--sites", "a site name must be 1-64 letters, digits, '.', '_' or '-'");
  await mkdir(o.out, { recursive: true });
  const name = o.federation ?? "federation";
  const ca = await createCa(`${name} CA`);
  const ips = o.hosts.filter((h) => /^[0-9.]+$|:/.test(h));
  const dns = o.hosts.filter((h) => !ips.includes(h));
  const coord = await issueCertificate(ca, { commonName: "coordinator", ips, dns, usage: "server" });
  const result: ProvisionResult = { ca: join(o.out, "ca.json"), coordinator: join(o.out, "coordinator.json"), sites: {} };
  await writeSecret(result.ca, { role: "ca", name, certPem: ca.certPem, keyPem: ca.keyPem });
  await writeSecret(result.coordinator, { role: "coordinator", name: "coordinator", caPem: ca.certPem, ...coord });
  for (const site of o.sites) {
    const cred = await issueCertificate(ca, { commonName: site, usage: "client" });
    const path = join(o.out, `site-${site}.json`);
    await writeSecret(path, { role: "site", name: site, caPem: ca.certPem, ...cred });
    result.sites[site] = path;
  }
  return result;
}

export async function loadCredential(path: string, role: "coordinator" | "site"): Promise<FlCredential> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new NotFoundError("credentials file", path, "run 'llmos fl provision' and pass its file with --credentials", { cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new CorruptFileError(path, "is not valid JSON", { cause });
  }
  const parsed = credentialSchema.safeParse(raw);
  if (!parsed.success) throw new CorruptFileError(path, `is not an FL credential (${parsed.error.issues[0]!.path.join(".") || "root"}: ${parsed.error.issues[0]!.message})`);
  if (parsed.data.role !== role) throw new InvalidArgumentError("--credentials", `holds a ${parsed.data.role} credential, a ${role} one is needed`);
  if (commonNameOf(parsed.data.certPem) !== parsed.data.name) throw new CorruptFileError(path, "the certificate's common name does not match the credential's name");
  return parsed.data;
}
