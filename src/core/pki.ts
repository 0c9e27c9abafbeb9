// The local CA and the server certificate clients are told to trust (NODE_EXTRA_CA_CERTS,
// REQUESTS_CA_BUNDLE). Created once per data folder and reused on every start.
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import forge from "node-forge";

export interface Pki {
  caCertPath: string;
  caCert: string;
  cert: string;
  key: string;
}

function newKey(): { forgeKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; pem: string } {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const forgeKey = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  const publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  return { forgeKey, publicKey, pem: privateKey };
}

function serial(): string {
  return "01" + forge.util.bytesToHex(forge.random.getBytesSync(15));
}

function makeCa() {
  const k = newKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = k.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 86_400_000);
  const attrs = [{ name: "commonName", value: "ArcLink Local CA" }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(k.forgeKey, forge.md.sha256.create());
  return { cert, key: k };
}

function makeServerCert(ca: { cert: forge.pki.Certificate; key: { forgeKey: forge.pki.rsa.PrivateKey } }) {
  const k = newKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = k.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 2 * 365 * 86_400_000);
  cert.setSubject([{ name: "commonName", value: "localhost" }]);
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: [
        { type: 2, value: "localhost" },
        { type: 7, ip: "127.0.0.1" },
        { type: 7, ip: "::1" },
      ],
    },
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: ca.cert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(ca.key.forgeKey, forge.md.sha256.create());
  return { cert, key: k };
}

/** Loads the data folder's CA and server certificate, creating them on first start. */
export function ensurePki(dataDir: string): Pki {
  const dir = resolve(dataDir, "tls");
  const caCertPath = join(dir, "ca.pem");
  const certPath = join(dir, "server.pem");
  const keyPath = join(dir, "server-key.pem");
  if (!existsSync(caCertPath) || !existsSync(certPath) || !existsSync(keyPath)) {
    mkdirSync(dir, { recursive: true });
    const ca = makeCa();
    const server = makeServerCert(ca);
    writeFileSync(join(dir, "ca-key.pem"), ca.key.pem, { mode: 0o600 });
    writeFileSync(caCertPath, forge.pki.certificateToPem(ca.cert));
    writeFileSync(keyPath, server.key.pem, { mode: 0o600 });
    writeFileSync(certPath, forge.pki.certificateToPem(server.cert) + forge.pki.certificateToPem(ca.cert));
  }
  return {
    caCertPath,
    caCert: readFileSync(caCertPath, "utf8"),
    cert: readFileSync(certPath, "utf8"),
    key: readFileSync(keyPath, "utf8"),
  };
}
