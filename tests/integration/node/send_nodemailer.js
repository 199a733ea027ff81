// Sends one message with nodemailer (an independent SMTP client) and prints
// the outcome as one JSON line. Usage: node send_nodemailer.js '<json>'
// with {port, secure, user, pass, method, envelopeFrom, from, to, subject, text}.
// secure: true for implicit TLS (465); false uses STARTTLS, required (587).
"use strict";
const nodemailer = require("nodemailer");

async function main() {
  const o = JSON.parse(process.argv[2]);
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: o.port,
    secure: o.secure,
    requireTLS: !o.secure,
    name: "client.example.test",
    auth: { user: o.user, pass: o.pass },
    authMethod: o.method,
    tls: { rejectUnauthorized: false },  // the node's self-signed test certificate
    connectionTimeout: 30000,
    greetingTimeout: 30000,
    socketTimeout: 60000,
  });
  const message = { from: o.from, to: o.to, subject: o.subject, text: o.text };
  if (o.envelopeFrom) message.envelope = { from: o.envelopeFrom, to: o.to };
  try {
    const info = await transport.sendMail(message);
    console.log(JSON.stringify({ ok: true, response: info.response, messageId: info.messageId }));
  } catch (err) {
    console.log(JSON.stringify({ ok: false, code: err.code || "", responseCode: err.responseCode || 0,
                                 response: err.response || "", message: String(err.message) }));
  }
}

main();
