import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import tls from "node:tls";
import type { AddressInfo } from "node:net";
import { commonNameOf, createCa, issueCertificate } from "./index.ts";

test("mutual TLS between two certificates of one CA; a stranger's certificate is refused", async () => {
  const ca = await createCa("llmos test CA");
  const server = await issueCertificate(ca, { commonName: "coordinator", dns: ["localhost"], ips: ["127.0.0.1"] });
  const site = await issueCertificate(ca, { commonName: "site-1", usage: "client" });
  const stranger = await issueCertificate(await createCa("other CA"), { commonName: "site-x", usage: "client" });
  assert.equal(commonNameOf(site.certPem), "site-1");

  const seen: string[] = [];
  const srv = tls.createServer({ cert: server.certPem, key: server.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true }, (s) => {
    seen.push(commonNameOf(s.getPeerX509Certificate()!.toString()));
    s.end("ok");
  });
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  const port = (srv.address() as AddressInfo).port;
  try {
    const c = tls.connect({ port, host: "127.0.0.1", ca: ca.certPem, cert: site.certPem, key: site.keyPem });
    const [data] = (await once(c, "data")) as [Buffer];
    assert.equal(data.toString(), "ok");
    assert.ok(c.authorized);
    c.end();
    assert.deepEqual(seen, ["site-1"]);

    const bad = tls.connect({ port, host: "127.0.0.1", ca: ca.certPem, cert: stranger.certPem, key: stranger.keyPem });
    const outcome = await new Promise<string>((resolve) => {
      bad.on("data", () => resolve("accepted"));
      bad.on("error", () => resolve("refused"));
      bad.on("close", () => resolve("refused"));
    });
    assert.equal(outcome, "refused");
  } finally {
    srv.close();
  }
});

test("names with path or shell characters are refused", async () => {
  await assert.rejects(createCa("../etc"), /commonName/);
});
