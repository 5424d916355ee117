'use strict';
// Certificates made by `openssl` at test (or benchmark) time, in a temporary directory: a CA, a server certificate
// for 127.0.0.1, a client certificate, an expired server certificate, and a second CA with a client certificate
// it signed. Needs Debian's openssl (.ci/run installs it). Types: tls-certs.d.ts.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const SERVER_EXTENSIONS = 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n';
const CLIENT_EXTENSIONS = 'extendedKeyUsage=clientAuth\n';
const FILES = { ca: 'ca.pem', server: 'server.pem', 'server-key': 'server.key', client: 'client.pem', 'client-key': 'client.key' };

function openssl(dir, args) {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const detail = error.code === 'ENOENT' ? 'openssl is not installed (apt-get install openssl)' : String(error.stderr || error.message);
    throw new Error(`openssl ${args.join(' ')} failed: ${detail}`);
  }
}

function makeCa(dir, name) {
  openssl(dir, ['req', '-x509', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`]);
}

/** A certificate `name` signed by CA `ca`, valid for `days` from now (negative: its validity already ended). */
function makeLeaf(dir, name, ca, subject, days, extensions) {
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(dir, ['req', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', String(days), '-extfile', `${name}.ext`]);
}

function makeTestCertificates() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thriftpoll-tls-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  makeLeaf(dir, 'server', 'ca', '/CN=127.0.0.1', 2, SERVER_EXTENSIONS);
  makeLeaf(dir, 'expired', 'ca', '/CN=127.0.0.1', -1, SERVER_EXTENSIONS);
  makeLeaf(dir, 'client', 'ca', '/CN=test client', 2, CLIENT_EXTENSIONS);
  makeLeaf(dir, 'stranger', 'other-ca', '/CN=stranger', 2, CLIENT_EXTENSIONS);
  const read = (file) => fs.readFileSync(path.join(dir, file));
  return {
    dir,
    ca: read('ca.pem'),
    serverCert: read('server.pem'),
    serverKey: read('server.key'),
    clientCert: read('client.pem'),
    clientKey: read('client.key'),
    expiredCert: read('expired.pem'),
    expiredKey: read('expired.key'),
    otherCa: read('other-ca.pem'),
    strangerCert: read('stranger.pem'),
    strangerKey: read('stranger.key'),
    file: (name) => path.join(dir, FILES[name]),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

module.exports = { makeTestCertificates };
