// Credentials of an MPC process: the project CA certificate plus this process's certificate and key
// (src/security/pki), in one JSON file. Party certificates are named "party-<id>", the dealer "mpc-dealer".
import { readFileSync } from "node:fs";
import { chmod } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { CorruptFileError } from "../../../errors/index.ts";
import { commonNameOf, createCa, issueCertificate } from "../../../security/pki/index.ts";
import { writeFileAtomic } from "../../../store/index.ts";

export const CredentialsSchema = z.object({ ca: z.string().min(1), cert: z.string().min(1), key: z.string().min(1) });
export type MpcCredentials = z.infer<typeof CredentialsSchema>;

export const partyName = (id: number) => `party-${id}`;
export const DEALER_NAME = "mpc-dealer";

export function loadCredentials(path: string): MpcCredentials {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new CorruptFileError(path, "is not a readable JSON credentials file", { cause });
  }
  const r = CredentialsSchema.safeParse(raw);
  if (!r.success) throw new CorruptFileError(path, "needs string fields ca, cert and key (PEM)");
  return r.data;
}

export function nameOf(c: MpcCredentials): string {
  return commonNameOf(c.cert);
}

/** Writes ca.json (CA certificate and key: keep offline), party-<i>.json and dealer.json into dir. */
export async function createMpcCredentials(dir: string, parties: number, hosts: { dns?: string[]; ips?: string[] } = { dns: ["localhost"], ips: ["127.0.0.1"] }): Promise<string[]> {
  const ca = await createCa("LLMasOS MPC CA");
  const files: string[] = [];
  const write = async (file: string, v: unknown) => {
    const path = join(dir, file);
    await writeFileAtomic(path, `${JSON.stringify(v, null, 2)}\n`);
    await chmod(path, 0o600); // private keys: owner only
    files.push(path);
  };
  await write("ca.json", { ca: ca.certPem, cert: ca.certPem, key: ca.keyPem });
  for (const name of [...Array.from({ length: parties }, (_, i) => partyName(i)), DEALER_NAME]) {
    const c = await issueCertificate(ca, { commonName: name, ...hosts, usage: "both" });
    await write(name === DEALER_NAME ? "dealer.json" : `${name}.json`, { ca: ca.certPem, cert: c.certPem, key: c.keyPem });
  }
  return files;
}
