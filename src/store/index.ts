export { syncDirectory, writeFileAtomic, writeFileSynced } from "./durable.ts";
