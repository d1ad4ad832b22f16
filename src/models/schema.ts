// Tables of the model registry (subsystem "models"). Append steps; never edit shipped ones.
export const MODEL_MIGRATIONS = [
  `CREATE TABLE model_versions (
     tenant TEXT NOT NULL,
     name TEXT NOT NULL,
     version INTEGER NOT NULL,
     format TEXT NOT NULL,            -- gguf | remote | checkpoint
     sha256 TEXT,                     -- blob of a gguf; NULL for remote
     source TEXT,                     -- checkpoint dir, or remote endpoint JSON
     bytes INTEGER NOT NULL,
     architecture TEXT,
     context_length INTEGER,
     quantization TEXT,
     parameters INTEGER,
     lineage TEXT NOT NULL DEFAULT '{}',
     shared INTEGER NOT NULL DEFAULT 0, -- visible to every tenant (the shipped default model)
     created_at INTEGER NOT NULL,
     PRIMARY KEY (tenant, name, version)
   )`,
  `CREATE TABLE model_aliases (
     tenant TEXT NOT NULL,
     name TEXT NOT NULL,
     alias TEXT NOT NULL,
     version INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (tenant, name, alias),
     FOREIGN KEY (tenant, name, version) REFERENCES model_versions (tenant, name, version) ON DELETE RESTRICT
   )`,
];
