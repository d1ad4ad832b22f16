// The secure-aggregation messages (plain JSON objects: bytes as base64) and their zod schemas, so the
// same state machines run in one process and over the network. Every message names its round.
import { z } from "zod";

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "must be a site id of letters, digits, '.', '_' or '-'");
const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "must be base64");
const hex = z.string().regex(/^[0-9a-f]{1,140}$/, "must be lower-case hex");

/** What the server fixes before a round, sent to every selected site with the round start. */
export const roundParamsSchema = z.object({
  roundId: z.string().min(1).max(128),
  sites: z.array(id).min(1).max(10_000),
  mode: z.enum(["full", "plus"]),
  /** Shares needed to rebuild a secret (full: of all sites; plus: of a neighbourhood). */
  threshold: z.number().int().min(1),
  vectorLength: z.number().int().min(1).max(100_000_000),
});
export type RoundParams = z.infer<typeof roundParamsSchema>;

// Stage 0 (AdvertiseKeys): c = encryption key pair, s = masking key pair.
export const advertiseSchema = z.object({ type: z.literal("secagg/advertise"), roundId: z.string(), site: id, cPk: b64, sPk: b64 });
// Server → site: the keys of its neighbours (and its own), and where its shares go.
export const keysSchema = z.object({
  type: z.literal("secagg/keys"), roundId: z.string(), threshold: z.number().int().min(1),
  /** Neighbourhood including the site itself, with each member's share point x. */
  members: z.array(z.object({ site: id, x: z.number().int().min(1), cPk: b64, sPk: b64 })),
});
// Stage 1 (ShareKeys): shares of s_SK and b, encrypted to each neighbour.
export const sharesSchema = z.object({ type: z.literal("secagg/shares"), roundId: z.string(), site: id, ciphertexts: z.array(z.object({ to: id, ct: b64 })) });
export const ciphertextsSchema = z.object({ type: z.literal("secagg/ciphertexts"), roundId: z.string(), ciphertexts: z.array(z.object({ from: id, ct: b64 })) });
// Stage 2 (MaskedInputCollection).
export const maskedSchema = z.object({ type: z.literal("secagg/masked"), roundId: z.string(), site: id, masked: b64 });
export const survivorsSchema = z.object({ type: z.literal("secagg/survivors"), roundId: z.string(), survivors: z.array(id) });
// Stage 4 (Unmasking): b shares of survivors, s_SK shares of those who dropped after sharing.
export const unmaskSchema = z.object({
  type: z.literal("secagg/unmask"), roundId: z.string(), site: id,
  seedShares: z.array(z.object({ of: id, y: hex })),
  keyShares: z.array(z.object({ of: id, y: hex })),
});

export type Advertise = z.infer<typeof advertiseSchema>;
export type Keys = z.infer<typeof keysSchema>;
export type Shares = z.infer<typeof sharesSchema>;
export type Ciphertexts = z.infer<typeof ciphertextsSchema>;
export type Masked = z.infer<typeof maskedSchema>;
export type Survivors = z.infer<typeof survivorsSchema>;
export type Unmask = z.infer<typeof unmaskSchema>;
export type ClientMessage = Advertise | Shares | Masked | Unmask;
export type ServerMessage = Keys | Ciphertexts | Survivors;

export const clientMessageSchema = z.discriminatedUnion("type", [advertiseSchema, sharesSchema, maskedSchema, unmaskSchema]);
export const serverMessageSchema = z.discriminatedUnion("type", [keysSchema, ciphertextsSchema, survivorsSchema]);

/** Share plaintext: the pair (s_SK share, b share) that u gives v, bound to both by the AEAD's data. */
export const sharePlainSchema = z.object({ from: id, to: id, s: hex, b: hex });
