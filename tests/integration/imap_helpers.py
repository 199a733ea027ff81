"""Helpers for the IMAP interoperability tests: TLS context for the node's
self-signed certificate, an imaplib login, SMTP delivery and FETCH parsing.
Python 3 standard library only."""
import imaplib
import os
import re
import smtplib
import ssl


def tls_context():
    """Accepts the node's self-signed certificate (tests only)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def node_certificate(node):
    """Path of the certificate `postino init` wrote for the node."""
    return os.path.join(node.dir, "tls", "cert.pem")


def login(node, user, password):
    imap = imaplib.IMAP4_SSL("127.0.0.1", node.ports["imaps"], ssl_context=tls_context(), timeout=60)
    imap.login(user, password)
    return imap


def deliver(node, rcpt, message, sender="alice@remote.example"):
    with smtplib.SMTP("127.0.0.1", node.ports["smtp"], local_hostname="client.remote.example", timeout=60) as s:
        s.sendmail(sender, [rcpt], message)


def simple_message(subject, body, sender="alice@remote.example", to="demo@example.test", msgid=None):
    msgid = msgid or "<%s@remote.example>" % re.sub(r"[^A-Za-z0-9]", "", subject)
    return ("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: Wed, 25 Nov 2026 10:00:00 +0000\r\n"
            "Message-ID: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n%s\r\n"
            % (sender, to, subject, msgid, body)).encode()


def uid_flags(imap, mailbox, readonly=True):
    """{uid: set(flags)} of a mailbox (imaplib, EXAMINE by default)."""
    typ, data = imap.select(mailbox, readonly=readonly)
    assert typ == "OK", (mailbox, data)
    if int(data[0]) == 0:
        return {}
    typ, data = imap.uid("FETCH", "1:*", "(UID FLAGS)")
    assert typ == "OK", data
    out = {}
    for line in data:
        if not isinstance(line, bytes):
            continue
        uid = int(re.search(rb"UID (\d+)", line).group(1))
        flags = re.search(rb"FLAGS \(([^)]*)\)", line).group(1).decode().split()
        out[uid] = set(flags)
    return out


def subjects(imap, mailbox):
    """{uid: subject} of a mailbox (EXAMINE)."""
    typ, data = imap.select(mailbox, readonly=True)
    assert typ == "OK", (mailbox, data)
    if int(data[0]) == 0:
        return {}
    typ, data = imap.uid("FETCH", "1:*", "(UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert typ == "OK", data
    out = {}
    for item in data:
        if isinstance(item, tuple):
            uid = int(re.search(rb"UID (\d+)", item[0]).group(1))
            out[uid] = item[1].decode().split(":", 1)[1].strip()
    return out


def report_message(to, message_id, preamble=b""):
    """The interop tests' sample: a multipart/mixed with an encoded-word
    Subject, a quoted-printable UTF-8 text part and a base64 attachment."""
    return (b"From: Alice Example <alice@remote.example>\r\n"
            b"To: " + to + b"\r\n"
            b"Subject: =?UTF-8?Q?caf=C3=A9?= report\r\n"
            b"Date: Wed, 25 Nov 2026 10:00:00 +0000\r\n"
            b"Message-ID: <" + message_id + b">\r\n"
            b"MIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
            b"\r\n" + preamble +
            b"--b1\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n"
            b"Content-Transfer-Encoding: quoted-printable\r\n"
            b"\r\n"
            b"The caf=C3=A9 numbers are in.\r\n"
            b"--b1\r\n"
            b"Content-Type: application/octet-stream; name=\"data.bin\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n"
            b"Content-Disposition: attachment; filename=\"data.bin\"\r\n"
            b"\r\n"
            b"AAECAwQFBgc=\r\n"
            b"--b1--\r\n")
