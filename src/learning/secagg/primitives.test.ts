import { test } from "node:test";
import assert from "node:assert/strict";
import { agree, agreeReference, generateKeyPair } from "./primitives.ts";

test("native X25519 agreement equals @noble/curves and is symmetric", () => {
  for (let i = 0; i < 20; i++) {
    const a = generateKeyPair(), b = generateKeyPair();
    const ab = agree(a.secretKey, b.publicKey);
    assert.deepEqual(ab, agreeReference(a.secretKey, b.publicKey));
    assert.deepEqual(ab, agree(b.secretKey, a.publicKey));
  }
});

test("RFC 7748 §6.1 test vector, and a low-order public key is refused", () => {
  const hex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));
  const aliceSk = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  const bobPk = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  assert.equal(Buffer.from(agree(aliceSk, bobPk)).toString("hex"), "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  assert.throws(() => agree(aliceSk, new Uint8Array(32)), /low order|all-zero/);
  assert.throws(() => agree(aliceSk, new Uint8Array(31)), /32 bytes/);
});
