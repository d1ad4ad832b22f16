// A small PKI for LLMasOS processes that talk over the network (server TLS, federated sites, MPC
// parties): a project CA and ECDSA P-256 certificates it issues, as PEM for node:tls.
import "reflect-metadata"; // @peculiar/x509 resolves its ASN.1 schemas through tsyringe, which needs it
import * as x509 from "@peculiar/x509";
import { randomBytes, webcrypto } from "node:crypto";

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
import { InvalidArgumentError } from "../../errors/index.ts";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;

export interface Credential {
  certPem: string;
  keyPem: string;
}

export interface IssueOptions {
  commonName: string;
  /** Subject alternative names a peer may connect to. */
  dns?: string[];
  ips?: string[];
  days?: number;
  /** Extended key usage: a server, a client, or both (federated sites and MPC parties are both). */
  usage?: "server" | "client" | "both";
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString("base64").match(/.{1,64}/g)!.join("\n");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

function serial(): string {
  // RFC 5280 §4.1.2.2: positive, at most 20 octets; clear the top bit so it is never negative.
  const b = randomBytes(16);
  b[0]! &= 0x7f;
  return b.toString("hex");
}

function checkName(field: string, value: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/.test(value)) throw new InvalidArgumentError(field, "must be 1-64 letters, digits, spaces, '.', '_' or '-'");
}

async function importKey(keyPem: string): Promise<CryptoKey> {
  const der = Buffer.from(keyPem.replace(/-----[^-]+-----|\s/g, ""), "base64");
  return webcrypto.subtle.importKey("pkcs8", der, ALG, true, ["sign"]) as Promise<CryptoKey>;
}

/** A self-signed certificate authority. */
export async function createCa(commonName: string, days = 3650): Promise<Credential> {
  checkName("commonName", commonName);
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + days * DAY_MS),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: pem("PRIVATE KEY", await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)) };
}

/** A leaf certificate signed by `ca`, for node:tls `cert`/`key`, verified by peers holding the CA certificate. */
export async function issueCertificate(ca: Credential, opts: IssueOptions): Promise<Credential> {
  checkName("commonName", opts.commonName);
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importKey(ca.keyPem);
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
  const usage = opts.usage ?? "both";
  const eku = [
    ...(usage !== "client" ? [x509.ExtendedKeyUsage.serverAuth] : []),
    ...(usage !== "server" ? [x509.ExtendedKeyUsage.clientAuth] : []),
  ];
  const san = [
    ...(opts.dns ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(opts.ips ?? []).map((value) => ({ type: "ip" as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${opts.commonName}`,
    issuer: caCert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + (opts.days ?? 825) * DAY_MS),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension(eku, false),
      ...(san.length ? [new x509.SubjectAlternativeNameExtension(san, false)] : []),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: pem("PRIVATE KEY", await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)) };
}

/** The subject common name of a PEM certificate (how a TLS peer's identity is read after the handshake). */
export function commonNameOf(certPem: string): string {
  const m = /CN=([^,]+)/.exec(new x509.X509Certificate(certPem).subject);
  return m?.[1] ?? "";
}
