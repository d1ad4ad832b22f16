// `llmos keys rotate-master`: a new master key is written (0600) as master.key.next before any data
// key is re-wrapped, the re-wrap is one transaction, and only then does the new key replace
// master.key. A crash at any point leaves every object readable (the keyring loads both files).
import { renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { InvalidArgumentError } from "../../errors/index.ts";
import { syncDirectory } from "../../store/index.ts";
import { loadOrCreateKey } from "../keyfile.ts";
import { EnvelopeCipher } from "./envelope.ts";
import { MASTER_KEY_FILE, masterKey, MasterKeyring, NEXT_MASTER_KEY_FILE, parseHexKey } from "./master.ts";

export interface RotationResult {
  from: string;
  to: string;
  rewrapped: number;
  /** Where the new key lives: the key file, or "LLMOS_NEW_MASTER_KEY" (set LLMOS_MASTER_KEY to it). */
  keyLocation: string;
}

export async function rotateMasterKey(cipher: EnvelopeCipher, dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<RotationResult> {
  const old = MasterKeyring.load(dataDir, env);
  if (env.LLMOS_MASTER_KEY) {
    // The key lives outside the data directory: the operator supplies the next one the same way.
    if (!env.LLMOS_NEW_MASTER_KEY) {
      throw new InvalidArgumentError("LLMOS_NEW_MASTER_KEY", "must be set to the new key (64 hex digits) when the master key comes from LLMOS_MASTER_KEY");
    }
    const next = masterKey(parseHexKey("LLMOS_NEW_MASTER_KEY", env.LLMOS_NEW_MASTER_KEY));
    const n = cipher.rewrapAll(next, new MasterKeyring(next, [old.current]));
    return { from: old.current.id, to: next.id, rewrapped: n, keyLocation: "LLMOS_NEW_MASTER_KEY" };
  }
  const nextPath = join(dataDir, NEXT_MASTER_KEY_FILE);
  // Resumes an interrupted rotation by reusing master.key.next; otherwise creates it (fsynced, 0600).
  const next = masterKey(loadOrCreateKey(nextPath, 32));
  const n = cipher.rewrapAll(next, new MasterKeyring(next, [old.current]));
  renameSync(nextPath, join(dataDir, MASTER_KEY_FILE));
  await syncDirectory(dataDir);
  rmSync(nextPath, { force: true });
  return { from: old.current.id, to: next.id, rewrapped: n, keyLocation: join(dataDir, MASTER_KEY_FILE) };
}
