// SCRAM-SHA-256-PLUS (RFC 5802, RFC 7677) with tls-exporter channel binding
// (RFC 9266) over SMTP AUTH (RFC 4954) on an implicit-TLS port, written on
// Node's own TLS and crypto (no npm package): an implementation independent
// of Postino's. Prints one JSON line: {ok, step, reply, serverVerified}.
// Usage: node scram_plus.js PORT USER PASSWORD [BINDING]
// BINDING "tamper" flips a bit of the exporter value (must fail).
"use strict";
const tls = require("tls");
const crypto = require("crypto");

const [port, user, password, mode] = process.argv.slice(2);

function hmac(key, data) { return crypto.createHmac("sha256", key).update(data).digest(); }
function sha256(data) { return crypto.createHash("sha256").update(data).digest(); }
function saslname(name) { return name.replace(/=/g, "=3D").replace(/,/g, "=2C"); }

const socket = tls.connect({ host: "127.0.0.1", port: Number(port), rejectUnauthorized: false });
let buffer = "";
const waiting = [];
socket.setEncoding("utf8");
socket.on("data", (chunk) => {
  buffer += chunk;
  for (;;) {
    // one complete reply: lines until one whose 4th char is a space
    const lines = buffer.split("\r\n");
    let end = -1;
    for (let i = 0; i < lines.length - 1; i++) {
      if (lines[i].length < 4 || lines[i][3] === " ") { end = i; break; }
    }
    if (end < 0 || waiting.length === 0) return;
    const reply = lines.slice(0, end + 1);
    buffer = lines.slice(end + 1).join("\r\n");
    waiting.shift()(reply);
  }
});
function readReply() { return new Promise((resolve) => { waiting.push(resolve); socket.emit("data", ""); }); }
function send(line) { socket.write(line + "\r\n"); }
function done(result) { console.log(JSON.stringify(result)); socket.end(); }

socket.on("secureConnect", async () => {
  try {
    await readReply();  // 220
    send("EHLO client.example.test");
    const ehlo = await readReply();
    const auth = ehlo.find((l) => l.slice(4).startsWith("AUTH ")) || "";
    if (!auth.includes("SCRAM-SHA-256-PLUS")) return done({ ok: false, step: "ehlo", reply: ehlo.join("|") });

    let binding = socket.exportKeyingMaterial(32, "EXPORTER-Channel-Binding");
    if (mode === "tamper") { binding = Buffer.from(binding); binding[0] ^= 1; }
    const gs2 = "p=tls-exporter,,";
    const clientNonce = crypto.randomBytes(18).toString("base64");
    const clientFirstBare = `n=${saslname(user)},r=${clientNonce}`;
    send("AUTH SCRAM-SHA-256-PLUS " + Buffer.from(gs2 + clientFirstBare).toString("base64"));
    const first = await readReply();
    if (!first[0].startsWith("334 ")) return done({ ok: false, step: "client-first", reply: first.join("|") });
    const serverFirst = Buffer.from(first[0].slice(4), "base64").toString();
    const attrs = Object.fromEntries(serverFirst.split(",").map((a) => [a[0], a.slice(2)]));
    if (!attrs.r.startsWith(clientNonce)) return done({ ok: false, step: "nonce", reply: serverFirst });
    const salted = crypto.pbkdf2Sync(password, Buffer.from(attrs.s, "base64"), Number(attrs.i), 32, "sha256");
    const clientKey = hmac(salted, "Client Key");
    const cbind = Buffer.concat([Buffer.from(gs2), binding]).toString("base64");
    const withoutProof = `c=${cbind},r=${attrs.r}`;
    const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
    const signature = hmac(sha256(clientKey), authMessage);
    const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i])).toString("base64");
    send(Buffer.from(`${withoutProof},p=${proof}`).toString("base64"));
    const final = await readReply();
    if (!final[0].startsWith("334 ")) return done({ ok: false, step: "client-final", reply: final.join("|") });
    const serverFinal = Buffer.from(final[0].slice(4), "base64").toString();
    const expected = "v=" + hmac(hmac(salted, "Server Key"), authMessage).toString("base64");
    const serverVerified = serverFinal === expected;
    send("");
    const ok = await readReply();
    send("QUIT");
    done({ ok: ok[0].startsWith("235 "), step: "done", reply: ok.join("|"), serverVerified });
  } catch (err) {
    done({ ok: false, step: "exception", reply: String(err) });
  }
});
socket.on("error", (err) => done({ ok: false, step: "socket", reply: String(err) }));
