import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

const TEN_YEARS_MS = 3650 * 24 * 3600 * 1000;
/** Microsoft's User Principal Name, the otherName WinRM maps a certificate to a user by. */
const UPN_OID = '1.3.6.1.4.1.311.20.2.3';

/**
 * A new x509 key pair as Nova generates one (before 2.92) for WinRM certificate login: a
 * self-signed RSA 2048 certificate for `CN=<user id>`, valid ten years, client authentication,
 * subjectAltName UPN `<user id>@localhost`; the private key and certificate as a PKCS#12 bundle
 * with an empty password, base64 encoded. `publicKey` is the PEM certificate, as Nova stores it.
 */
export function generateX509Key(userId: string): { publicKey: string; privateKey: string } {
  const native = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = forge.pki.privateKeyFromPem(native.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  // A positive serial: DER integers are signed.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date();
  cert.validity.notAfter = new Date(Date.now() + TEN_YEARS_MS);
  const name = [{ name: 'commonName', value: userId }];
  cert.setSubject(name);
  cert.setIssuer(name);
  const { asn1 } = forge;
  const upn = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(UPN_OID).getBytes()),
      asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTF8, false, forge.util.encodeUtf8(`${userId}@localhost`))]),
    ]),
  ]);
  cert.setExtensions([
    { name: 'extKeyUsage', clientAuth: true },
    { name: 'subjectAltName', value: upn },
  ]);
  cert.sign(key, forge.md.sha256.create());
  const p12 = forge.pkcs12.toPkcs12Asn1(key, cert, '', { algorithm: '3des' });
  return {
    publicKey: forge.pki.certificateToPem(cert),
    privateKey: Buffer.from(asn1.toDer(p12).getBytes(), 'binary').toString('base64'),
  };
}
