export { syncDirectory, writeFileAtomic, writeFileSynced } from "./durable.ts";
export { migrate, openDatabase, prepared, type Db } from "./db.ts";
export { BlobStore, sha256File } from "./blobs.ts";
export { WalSync } from "./wal-sync.ts";
