// imapflow client run by test_imap_imapflow.py: a strict modern IMAP client
// exercising TLS (the node's certificate as the only CA, name "localhost"),
// LIST, STATUS, SELECT, FETCH (envelope, bodyStructure, source, part
// download), STORE, APPEND, SEARCH, MOVE, and IDLE seeing a message APPENDed
// by a second connection, then QRESYNC (CHANGEDSINCE, VANISHED) on a third.
// Prints one JSON object on stdout; the Python test
// checks it. Any exception ends the run with exit code 1 and the last wire
// lines on stderr.
//
// Env: IMAPFLOW_DIR (prefix holding node_modules/imapflow), IMAP_PORT,
// IMAP_USER, IMAP_PASS, IMAP_CA (PEM file).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

const require = createRequire(path.join(process.env.IMAPFLOW_DIR, 'node_modules', 'index.js'));
const { ImapFlow } = require('imapflow');

const wire = [];
let idleStarted = null;
const logger = {
  debug(entry) {
    if (entry && entry.msg) {
      wire.push(`${entry.cid} ${entry.src || '-'} ${String(entry.msg).slice(0, 300)}`);
      if (wire.length > 400) wire.shift();
      if (String(entry.msg).startsWith('Initiated IDLE') && idleStarted) idleStarted();
    }
  },
  info(entry) { this.debug(entry); },
  warn(entry) { this.debug(entry); },
  error(entry) { this.debug(entry); },
};

function client(id, extra = {}) {
  return new ImapFlow({
    ...extra,
    host: '127.0.0.1',
    port: Number(process.env.IMAP_PORT),
    secure: true,
    tls: { ca: [fs.readFileSync(process.env.IMAP_CA)], servername: 'localhost', rejectUnauthorized: true },
    auth: { user: process.env.IMAP_USER, pass: process.env.IMAP_PASS },
    logger,
    id,
    disableAutoIdle: true,
    connectionTimeout: 30000,
  });
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

function structure(node) {
  if (!node) return null;
  const out = { part: node.part || null, type: node.type, size: node.size ?? null, encoding: node.encoding || null };
  if (node.parameters) out.parameters = node.parameters;
  if (node.disposition) out.disposition = node.disposition;
  if (node.dispositionParameters) out.dispositionParameters = node.dispositionParameters;
  if (node.childNodes) out.childNodes = node.childNodes.map(structure);
  return out;
}

function envelope(env) {
  if (!env) return null;
  const addrs = (list) => (list || []).map((a) => ({ name: a.name || '', address: a.address || '' }));
  return {
    date: env.date ? new Date(env.date).toISOString() : null,
    subject: env.subject || null,
    messageId: env.messageId || null,
    from: addrs(env.from), to: addrs(env.to), sender: addrs(env.sender), replyTo: addrs(env.replyTo),
  };
}

const NEW_MESSAGE = (subject) => Buffer.from(
  `From: imapflow <flow@remote.example>\r\nTo: demo@example.test\r\nSubject: ${subject}\r\n` +
  `Date: Thu, 26 Nov 2026 09:00:00 +0100\r\nMessage-ID: <${crypto.randomUUID()}@remote.example>\r\n` +
  `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody of ${subject}\r\n`);

async function main() {
  const result = {};
  const a = client({ name: 'postino-test-a' });
  await a.connect();
  result.capabilities = [...a.capabilities.keys()].sort();
  result.enabled = [...a.enabled].sort();
  result.secure = a.secureConnection;
  // imapflow negotiates COMPRESS=DEFLATE (RFC 4978) itself when advertised;
  // its inflater exists only once the server accepted (no public flag).
  result.compressed = Boolean(a._inflate && a._deflate);
  result.list = (await a.list()).map((m) => ({ path: m.path, specialUse: m.specialUse || null,
                                               flags: [...m.flags].sort(), delimiter: m.delimiter }));
  const st = await a.status('INBOX', { messages: true, uidNext: true, unseen: true, uidValidity: true,
                                      highestModseq: true });
  result.status = { messages: st.messages, uidNext: st.uidNext, unseen: st.unseen,
                    uidValidity: String(st.uidValidity), highestModseq: String(st.highestModseq) };

  const lock = await a.getMailboxLock('INBOX');
  try {
    const mb = a.mailbox;
    result.mailbox = { path: mb.path, exists: mb.exists, uidNext: mb.uidNext, uidValidity: String(mb.uidValidity),
                       highestModseq: String(mb.highestModseq), flags: [...mb.flags].sort(),
                       permanentFlags: [...(mb.permanentFlags || [])].sort() };
    result.messages = [];
    for await (const msg of a.fetch('1:*', { uid: true, flags: true, envelope: true, bodyStructure: true,
                                            source: true, size: true, internalDate: true })) {
      result.messages.push({
        seq: msg.seq, uid: msg.uid, flags: [...msg.flags].sort(), size: msg.size,
        internalDate: msg.internalDate ? new Date(msg.internalDate).toISOString() : null,
        envelope: envelope(msg.envelope), bodyStructure: structure(msg.bodyStructure),
        sourceLength: msg.source.length, sourceSha256: crypto.createHash('sha256').update(msg.source).digest('hex'),
      });
    }
    // A decoded part (base64 attachment) and a text part (charset-decoded by imapflow).
    const attachment = await a.download('1', '2');
    const chunks = [];
    for await (const c of attachment.content) chunks.push(c);
    result.download = { meta: { contentType: attachment.meta.contentType, filename: attachment.meta.filename || null },
                        hex: Buffer.concat(chunks).toString('hex') };

    // Header fields and a raw body part.
    const parts = await a.fetchOne('1', { headers: ['subject', 'message-id'], bodyParts: ['1', '2.mime'] });
    result.headerFields = parts.headers.toString('latin1');
    result.bodyParts = Object.fromEntries([...parts.bodyParts.entries()].map(([k, v]) => [k, v.toString('latin1')]));

    // A large message: BODY[] above the server's streaming threshold (1 MiB)
    // and a decoded 1.5 MB attachment.
    const blob = crypto.createHash('sha256').update('seed').digest();
    const big = Buffer.alloc(1536 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = blob[i % 32] ^ (i >> 8);
    const b64 = big.toString('base64').replace(/(.{76})/g, '$1\r\n');
    const bigMessage = Buffer.from('From: flow@remote.example\r\nSubject: big one\r\nMIME-Version: 1.0\r\n' +
      'Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n' +
      '--zz\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n' +
      b64 + '\r\n--zz--\r\n');
    await a.mailboxCreate('Big');
    const bigAppend = await a.append('Big', bigMessage);
    await a.mailboxOpen('Big');  // within the INBOX lock, which this run holds
    {
      const whole = await a.fetchOne(String(bigAppend.uid), { source: true, size: true }, { uid: true });
      const dl = await a.download(String(bigAppend.uid), '2', { uid: true });
      const got = [];
      for await (const c of dl.content) got.push(c);
      result.big = { sizeMatches: whole.size === bigMessage.length, sourceMatches: whole.source.equals(bigMessage),
                     attachmentMatches: Buffer.concat(got).equals(big) };
    }
    await a.mailboxOpen('INBOX');

    result.flagsAdd = await a.messageFlagsAdd('1', ['\\Flagged', '$Label1']);
    result.flagsAfterAdd = [...(await a.fetchOne('1', { flags: true })).flags].sort();
    result.flagsRemove = await a.messageFlagsRemove('1', ['$Label1']);
    result.flagsAfterRemove = [...(await a.fetchOne('1', { flags: true })).flags].sort();

    const appended = await a.append('INBOX', NEW_MESSAGE('appended by imapflow'), ['\\Seen', '$Flow']);
    result.append = { destination: appended.destination, uid: appended.uid, uidValidity: String(appended.uidValidity) };
    result.searchSubject = await a.search({ subject: 'appended by imapflow' }, { uid: true });
    result.searchFlagged = await a.search({ flagged: true }, { uid: true });
    result.searchUnseen = await a.search({ seen: false }, { uid: true });
    result.searchKeyword = await a.search({ keyword: '$Flow' }, { uid: true });
    result.searchBody = await a.search({ body: 'numbers are in' }, { uid: true });

    // A UTF-8 mailbox name (IMAP4rev2 / UTF8=ACCEPT are enabled by imapflow).
    const created = await a.mailboxCreate('Café/Ünï 日本');
    await a.append('Café/Ünï 日本', NEW_MESSAGE('in a utf-8 mailbox'));
    const utf8Status = await a.status('Café/Ünï 日本', { messages: true });
    result.utf8Mailbox = { created: created.path, messages: utf8Status.messages,
                           listed: (await a.list()).map((m) => m.path).filter((p) => p.startsWith('Caf')).sort() };

    await a.mailboxCreate('Flow Moved');
    const moved = await a.messageMove(String(appended.uid), 'Flow Moved', { uid: true });
    result.move = { destination: moved.destination, uidMap: moved.uidMap ? [...moved.uidMap.entries()] : null };
    result.existsAfterMove = a.mailbox.exists;
    const movedBox = await a.status('Flow Moved', { messages: true });
    result.movedMessages = movedBox.messages;
  } finally {
    lock.release();
  }

  // IDLE: a second connection appends; the first, idling, is told.
  const b = client({ name: 'postino-test-b' });
  await b.connect();
  const existsSeen = new Promise((resolve) => a.on('exists', (ev) => resolve(ev)));
  const initiated = new Promise((resolve) => { idleStarted = resolve; });
  const idling = a.idle();
  await withTimeout(initiated, 30000, 'IDLE continuation');
  result.idlingBeforeAppend = a.idling;
  await b.append('INBOX', NEW_MESSAGE('seen through idle'));
  const ev = await withTimeout(existsSeen, 30000, 'EXISTS during IDLE');
  result.idleExists = { path: ev.path, count: ev.count, prevCount: ev.prevCount };
  const last = await a.fetchOne('*', { envelope: true, uid: true });  // breaks the IDLE with DONE
  await idling;
  result.afterIdle = { uid: last.uid, subject: last.envelope.subject };
  await b.logout();
  await a.logout();

  // QRESYNC (RFC 7162): CHANGEDSINCE returns only what changed; an expunge
  // is reported as VANISHED.
  const c = client({ name: 'postino-test-c' }, { qresync: true });
  await c.connect();
  result.qresyncEnabled = [...c.enabled].sort();
  const expunges = [];
  c.on('expunge', (ev) => expunges.push(ev));
  const lockC = await c.getMailboxLock('INBOX');
  try {
    const before = c.mailbox.highestModseq;
    await c.messageFlagsAdd('1', ['\\Answered'], { uid: true });
    result.changedSince = [];
    for await (const m of c.fetch('1:*', { uid: true, flags: true }, { uid: true, changedSince: before })) {
      result.changedSince.push({ uid: m.uid, flags: [...m.flags].sort(), modseqGrew: m.modseq > before });
    }
    result.deleted = await c.messageDelete(String(result.afterIdle.uid), { uid: true });
    await c.noop();
    result.expunges = expunges.map((ev) => ({ path: ev.path, uid: ev.uid ?? null, seq: ev.seq ?? null,
                                              vanished: ev.vanished }));
    result.existsAfterDelete = c.mailbox.exists;
  } finally {
    lockC.release();
  }
  await c.logout();
  process.stdout.write(JSON.stringify(result, null, 1) + '\n');
}

// A hang ends the run with the wire log, before the caller times out.
setTimeout(() => {
  process.stderr.write(`imapflow client: still running after 120 s\n--- last wire lines ---\n${wire.slice(-80).join('\n')}\n`);
  process.exit(2);
}, 120000).unref();

main().catch((err) => {
  process.stderr.write(`imapflow client failed: ${err && err.stack || err}\n` +
                       `${err && err.response ? 'server said: ' + err.response + '\n' : ''}` +
                       `--- last wire lines ---\n${wire.slice(-80).join('\n')}\n`);
  process.exit(1);
});
