"""Generator of varied MIME messages for the MIME differential tests.

Deterministic (seeded): nested multiparts, attachments, RFC 2231 names,
encoded words in many charsets, message/rfc822 and digests, and the broken
shapes real mail has (missing or never-found boundaries, bare LF, missing
blank line, 8-bit headers, duplicate Content-Type, invalid Content-Type).
Python 3 standard library only; reusable by other tests (IMAP FETCH).
"""
import base64
import random

CHARSET_WORDS = [
    ("utf-8", "Grüße aus Köln €"),
    ("iso-8859-1", "Café déjà vu"),
    ("iso-8859-2", "Zażółć gęślą"),
    ("koi8-r", "Привет мир"),
    ("windows-1251", "Здравствуйте"),
    ("iso-8859-7", "Καλημέρα"),
    ("shift_jis", "こんにちは"),
    ("iso-2022-jp", "日本語の件名"),
    ("euc-kr", "안녕하세요"),
    ("gb2312", "你好世界"),
    ("big5", "中文測試"),
    ("windows-1252", "“quoted” – dash"),
    ("utf-8", "emoji 😀 test"),
]


def encoded_word(charset, text, rng):
    data = text.encode(charset)
    if rng.random() < 0.5:
        return "=?%s?B?%s?=" % (charset.upper() if rng.random() < 0.3 else charset,
                                base64.b64encode(data).decode())
    out = []
    for b in data:
        c = chr(b)
        if b < 128 and (c.isalnum() or c in "!*+-/"):
            out.append(c)
        elif c == " ":
            out.append("_")
        else:
            out.append("=%02X" % b)
    return "=?%s?Q?%s?=" % (charset, "".join(out))


def display_name(rng):
    kind = rng.randrange(6)
    if kind == 0:
        return "John Doe"
    if kind == 1:
        return '"Doe, John (Jr.)"'
    if kind == 2:
        cs, text = rng.choice(CHARSET_WORDS)
        return encoded_word(cs, text, rng)
    if kind == 3:
        return '"Quote \\"inner\\" name"'
    if kind == 4:
        return "Mary  Smith\t Jr"
    return ""


def mailbox(rng, i=0):
    user = rng.choice(["alice", "bob.smith", "c+tag", '"odd user"', "d_e"])
    host = rng.choice(["example.com", "mail.example.org", "[192.0.2.1]", "xn--bcher-kva.example"])
    name = display_name(rng)
    shape = rng.randrange(5)
    if shape == 0 or not name:
        return "%s@%s" % (user, host)
    if shape == 1:
        return "%s@%s (%s)" % (user, host, name.strip('"'))
    if shape == 2:
        return "<%s@%s>" % (user, host)
    return "%s <%s@%s>" % (name, user, host)


def address_list(rng):
    kind = rng.randrange(10)
    if kind == 0:
        return "undisclosed-recipients:;"
    if kind == 1:
        return "Team: %s, %s;" % (mailbox(rng), mailbox(rng))
    if kind == 2:
        return "%s,\r\n\t%s" % (mailbox(rng), mailbox(rng))
    if kind == 3:
        return "<@route.example,@r2.example:user@example.com>"
    if kind == 4:
        return "localonly"
    return ", ".join(mailbox(rng) for _ in range(rng.randrange(1, 4)))


def subject(rng):
    kind = rng.randrange(7)
    if kind == 0:
        return "Plain subject %d" % rng.randrange(1000)
    if kind == 1:
        cs, text = rng.choice(CHARSET_WORDS)
        cs2, text2 = rng.choice(CHARSET_WORDS)
        return "%s %s" % (encoded_word(cs, text, rng), encoded_word(cs2, text2, rng))
    if kind == 2:
        return "Folded subject line that goes on\r\n and on\r\n\tand on"
    if kind == 3:
        return "Re: [list] =?utf-8?q?caf=C3=A9?= and more"
    if kind == 4:
        return "Quotes \" and \\ backslash"
    if kind == 5:
        return "  leading  and trailing spaces  "
    return ""


def headers(rng, extra=()):
    h = []
    h.append(("From", address_list(rng) if rng.random() < 0.2 else mailbox(rng)))
    if rng.random() < 0.9:
        h.append(("To", address_list(rng)))
    if rng.random() < 0.4:
        h.append(("Cc", address_list(rng)))
    if rng.random() < 0.1:
        h.append(("Bcc", address_list(rng)))
    if rng.random() < 0.2:
        h.append(("Sender", mailbox(rng)))
    if rng.random() < 0.2:
        h.append(("Reply-To", address_list(rng)))
    if rng.random() < 0.9:
        h.append(("Subject", subject(rng)))
    if rng.random() < 0.9:
        h.append(("Date", "Mon, %d Jan 2024 10:%02d:00 +0100" % (rng.randrange(1, 28), rng.randrange(60))))
    if rng.random() < 0.9:
        h.append(("Message-ID", "<%d.%d@example.com>" % (rng.randrange(10**6), rng.randrange(10**6))))
    if rng.random() < 0.3:
        h.append(("In-Reply-To", "<parent%d@example.com>" % rng.randrange(1000)))
    h.extend(extra)
    return h


def text_body(rng, lines=None):
    n = lines if lines is not None else rng.randrange(0, 12)
    words = ["lorem", "ipsum", "dolor", "sit", "amet", "--not-a-boundary", "From here", "."]
    return "".join(" ".join(rng.choice(words) for _ in range(rng.randrange(1, 9))) + "\r\n" for _ in range(n))


def qp_body(rng):
    return "Caf=C3=A9 cr=C3=A8me br=C3=BBl=C3=A9e, long line soft=\r\nbreak here =3D equals  \r\nend=\r\n"


def b64_body(rng, size=None):
    data = bytes(rng.randrange(256) for _ in range(size if size is not None else rng.randrange(0, 600)))
    enc = base64.b64encode(data).decode()
    return "".join(enc[i:i + 76] + "\r\n" for i in range(0, len(enc), 76))


def leaf(rng, depth):
    kind = rng.randrange(9)
    hdr = []
    if kind == 0:
        hdr.append(("Content-Type", "text/plain; charset=utf-8"))
        body = text_body(rng)
    elif kind == 1:
        hdr.append(("Content-Type", "text/html; charset=\"iso-8859-1\""))
        hdr.append(("Content-Transfer-Encoding", "quoted-printable"))
        body = "<html><body><p>" + qp_body(rng) + "</p></body></html>\r\n"
    elif kind == 2:
        name = rng.choice(["report.pdf", "a b.txt", "x;y.bin"])
        hdr.append(("Content-Type", 'application/octet-stream; name="%s"' % name))
        hdr.append(("Content-Transfer-Encoding", rng.choice(["base64", "BASE64", "Base64"])))
        hdr.append(("Content-Disposition", 'attachment; filename="%s"; size=%d' % (name, rng.randrange(9999))))
        body = b64_body(rng)
    elif kind == 3:
        hdr.append(("Content-Type", "image/png;\r\n name*0*=utf-8''%E2%82%AC%20euro;\r\n name*1=\".png\""))
        hdr.append(("Content-Transfer-Encoding", "base64"))
        hdr.append(("Content-Disposition", "inline;\r\n filename*=iso-8859-1'fr'caf%E9.png"))
        hdr.append(("Content-ID", "<img%d@example.com>" % rng.randrange(1000)))
        body = b64_body(rng, 100)
    elif kind == 4:
        hdr.append(("Content-Type", "text/plain"))
        hdr.append(("Content-Language", "en-US, fr"))
        hdr.append(("Content-Location", "http://example.com/a\r\n b"))
        hdr.append(("Content-Description", "A description"))
        hdr.append(("Content-MD5", "Q2hlY2sgSW50ZWdyaXR5IQ=="))
        body = text_body(rng)
    elif kind == 5:
        body = text_body(rng)  # no Content-Type: text/plain default
    elif kind == 6:
        hdr.append(("Content-Type", "TEXT/Plain; CHARSET=KOI8-R; format=flowed"))
        hdr.append(("Content-Transfer-Encoding", "8bit"))
        body = "\u041f\u0440\u0438\u0432\u0435\u0442\r\n".encode("koi8-r").decode("latin-1")
    elif kind == 7 and depth < 3:
        inner = message(rng, depth + 1)
        hdr.append(("Content-Type", rng.choice(["message/rfc822", "MESSAGE/RFC822"])))
        hdr.append(("Content-Disposition", "attachment"))
        body = inner
    else:
        hdr.append(("Content-Type", "application/x-unknown-type; x-param=\"1\""))
        hdr.append(("Content-Transfer-Encoding", "x-uuencode"))
        body = "begin 644 a\r\n`\r\nend\r\n"
    return hdr, body


def render_headers(hdr):
    return "".join("%s: %s\r\n" % (k, v) for k, v in hdr)


def multipart(rng, depth):
    sub = rng.choice(["mixed", "alternative", "related", "digest", "MIXED"])
    boundary = rng.choice(["b%d" % rng.randrange(10**6), "=_Part_%d" % rng.randrange(1000),
                           "----=_NextPart_000_0001", "with space'()+_,-./:=?"])
    quoted = '"%s"' % boundary if (rng.random() < 0.6 or " " in boundary or "(" in boundary) else boundary
    hdr = [("Content-Type", "multipart/%s;\r\n boundary=%s" % (sub, quoted))]
    out = []
    if rng.random() < 0.5:
        out.append("This is a multi-part message in MIME format.\r\n")
    for _ in range(rng.randrange(1, 4)):
        out.append("\r\n--%s\r\n" % boundary if out else "--%s\r\n" % boundary)
        if sub == "digest" and rng.random() < 0.7:
            out.append("\r\n" + message(rng, depth + 1, top=False).rstrip("\r\n"))
            continue
        if depth < 3 and rng.random() < 0.3:
            h, b = multipart(rng, depth + 1)
        else:
            h, b = leaf(rng, depth)
        out.append(render_headers(h) + "\r\n" + b.rstrip("\r\n") if b.strip() else render_headers(h) + "\r\n" + b)
    out.append("\r\n--%s--\r\n" % boundary)
    if rng.random() < 0.3:
        out.append("epilogue text\r\n")
    return hdr, "".join(out)


def message(rng, depth=0, top=True):
    if depth < 3 and rng.random() < 0.6:
        ct, body = multipart(rng, depth)
    else:
        ct, body = leaf(rng, depth)
    extra = []
    if rng.random() < 0.9:
        extra.append(("MIME-Version", "1.0"))
    extra.extend(ct)
    return render_headers(headers(rng, extra)) + "\r\n" + body


def breakers():
    """Handcrafted broken shapes: (name, bytes)."""
    m = {}
    m["missing_close_boundary"] = (
        "From: a@b.c\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n"
        "--X\r\nContent-Type: text/plain\r\n\r\nfirst\r\n--X\r\n\r\nsecond, never closed\r\n")
    m["boundary_never_found"] = (
        "From: a@b.c\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=NOPE\r\n\r\n"
        "just text\r\n--OTHER\r\nmore\r\n")
    m["bare_lf"] = (
        "From: a@b.c\nSubject: bare\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=Y\n\n"
        "pre\n--Y\nContent-Type: text/plain\n\nline1\nline2\n--Y\n\nx\n--Y--\n")
    m["mixed_line_ends"] = (
        "From: a@b.c\r\nSubject: mixed\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=Z\n\r\n"
        "--Z\r\n\nline\r\nline2\n--Z--\r\n")
    m["no_blank_line"] = "From: a@b.c\r\nSubject: only headers\r\nX-Last: yes\r\n"
    m["no_blank_line_no_eol"] = "From: a@b.c\r\nSubject: no eol"
    m["part_without_blank_line"] = (
        "From: a@b.c\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=Q\r\n\r\n"
        "--Q\r\nContent-Type: text/plain\r\n--Q\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--Q--\r\n")
    m["eight_bit_headers"] = (
        "From: J\u00fcrgen M\u00fcller <j@example.de>\r\nSubject: Gr\u00fc\u00dfe \u20ac\r\n"
        "To: \u00e9l\u00e8ve <e@example.fr>\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Description: caf\u00e9\r\n\r\nbody \u00fc\r\n").encode("utf-8").decode("latin-1")
    m["latin1_headers"] = (
        "From: Andr\u00e9 <a@example.fr>\r\nSubject: \u00e0 bient\u00f4t\r\n\r\nx\r\n")
    m["duplicate_content_type"] = (
        "From: a@b.c\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n"
        "Content-Type: multipart/mixed; boundary=D\r\n\r\n--D\r\n\r\nnot a part\r\n--D--\r\n")
    m["quoted_boundary_specials"] = (
        "From: a@b.c\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed;\r\n\tboundary=\"'()+_,-./:=? x\"\r\n\r\n"
        "--'()+_,-./:=? x\r\nContent-Type: text/plain\r\n\r\nok\r\n--'()+_,-./:=? x--\r\n")
    m["boundary_prefix_nested"] = (
        "From: a@b.c\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
        "--outer\r\nContent-Type: multipart/alternative; boundary=\"outer-inner\"\r\n\r\n"
        "--outer-inner\r\nContent-Type: text/plain\r\n\r\nA\r\n--outer-inner\r\nContent-Type: text/html\r\n\r\n"
        "<b>A</b>\r\n--outer-inner--\r\n--outer\r\nContent-Type: text/plain\r\n\r\nB\r\n--outer--\r\n")
    m["inner_never_closed"] = (
        "From: a@b.c\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"o\"\r\n\r\n"
        "--o\r\nContent-Type: multipart/alternative; boundary=\"i\"\r\n\r\n--i\r\n\r\ninner\r\n"
        "--o\r\nContent-Type: text/plain\r\n\r\nafter\r\n--o--\r\n")
    m["same_boundary_nested"] = (
        "From: a@b.c\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"s\"\r\n\r\n"
        "--s\r\nContent-Type: multipart/mixed; boundary=\"s\"\r\n\r\n--s\r\n\r\nx\r\n--s--\r\n--s--\r\n")
    m["no_mime_version_content_type"] = (
        "From: a@b.c\r\nContent-Type: multipart/mixed; boundary=N\r\n\r\n--N\r\n\r\nx\r\n--N--\r\n")
    m["no_mime_version_cte_only"] = (
        "From: a@b.c\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: inline\r\n\r\naGk=\r\n")
    m["multipart_no_boundary"] = (
        "From: a@b.c\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\nno boundary\r\n")
    m["digest_defaults"] = (
        "From: a@b.c\r\nMIME-Version: 1.0\r\nContent-Type: multipart/digest; boundary=G\r\n\r\n"
        "--G\r\n\r\nFrom: x@y.z\r\nSubject: one\r\n\r\nbody one\r\n--G\r\nContent-Type: text/plain\r\n\r\n"
        "plain in digest\r\n--G--\r\n")
    m["message_global"] = (
        "From: a@b.c\r\nMIME-Version: 1.0\r\nContent-Type: message/global\r\n\r\n"
        "From: \u00fc@example.com\r\nSubject: inner\r\n\r\ninner body\r\n").encode("utf-8").decode("latin-1")
    m["rfc822_top"] = (
        "From: a@b.c\r\nMIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n"
        "From: x@y.z\r\nContent-Type: multipart/mixed; boundary=R\r\n\r\n--R\r\n\r\nr\r\n--R--\r\n")
    m["rfc822_empty"] = (
        "From: a@b.c\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=E\r\n\r\n"
        "--E\r\nContent-Type: message/rfc822\r\n\r\n--E--\r\n")
    m["param_continuations"] = (
        "From: a@b.c\r\nMIME-Version: 1.0\r\nContent-Type: application/pdf;\r\n"
        " name*1=\"part2.pdf\"; name*0=\"part1-\"; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A;\r\n"
        " gap*0=a; gap*2=c\r\nContent-Disposition: attachment; filename*0*=utf-8''%C3%A9t%C3%A9;\r\n"
        " filename*1=\"%.pdf\"\r\n\r\nx\r\n")
    m["broken_params"] = (
        "From: a@b.c\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=\"utf-8; format=flowed; "
        "=broken; name==?utf-8?B?w6k=?=; delsp=yes\r\n\r\nx\r\n")
    m["params_comments"] = (
        "From: a@b.c\r\nMIME-Version: 1.0\r\nContent-Type: text/plain (comment) ; charset = \"us-ascii\" (c2)"
        " ; format=flowed\r\nContent-Transfer-Encoding: 7bit (plain)\r\n\r\nx\r\n")
    m["invalid_content_type"] = (
        "From: a@b.c\r\nMIME-Version: 1.0\r\nContent-Type: text\r\n\r\nx\r\n")
    m["empty_message"] = ""
    m["only_body_no_headers"] = "\r\nbody only\r\n"
    m["crlf_only_boundary_at_start"] = (
        "From: a@b.c\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=S\r\n\r\n"
        "--S\r\n\r\n--S\r\n\r\n\r\n--S--")
    m["boundary_with_trailing_ws"] = (
        "From: a@b.c\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=W\r\n\r\n"
        "--W   \r\nContent-Type: text/plain\r\n\r\nw\r\n--W--  \r\ntrailer\r\n")
    m["groups_and_routes"] = (
        "From: Group One: a@b.c, \"B\" <b@c.d>;, solo@x.y\r\nTo: <@r1.example,@r2.example:u@h.example>\r\n"
        "Cc: empty:;\r\nBcc: (only comment)\r\nReply-To: <>\r\nSender: \r\n\r\nx\r\n")
    m["multiple_from_and_subject"] = (
        "From: a@b.c\r\nFrom: d@e.f\r\nSubject: first\r\nSubject: second\r\nDate: one\r\nDate: two\r\n\r\nx\r\n")
    m["qp_and_base64_errors"] = (
        "From: a@b.c\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=P\r\n\r\n"
        "--P\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=41=4=\r\nx=ZZy  \r\n=\r\n--P\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29y\r\nbGQ=\r\n--P--\r\n")
    m["long_header_line"] = "From: a@b.c\r\nX-Long: " + "y" * 5000 + "\r\nSubject: after long\r\n\r\nx\r\n"
    m["nul_bytes"] = "From: a@b.c\r\nSubject: nul\x00here\r\n\r\nbody\x00nul\r\n"
    m["header_continuation_first"] = " folded first line\r\nFrom: a@b.c\r\n\r\nx\r\n"
    m["colonless_header"] = "From: a@b.c\r\nthis is not a header\r\nSubject: s\r\n\r\nx\r\n"
    return m


def corpus(count=120, seed=20240601):
    """[(name, bytes)]: the handcrafted broken shapes plus `count` generated ones."""
    rng = random.Random(seed)
    out = [(name, text.encode("latin-1")) for name, text in sorted(breakers().items())]
    for i in range(count):
        text = message(rng)
        if rng.random() < 0.1:
            text = text.replace("\r\n", "\n")
        out.append(("generated_%03d" % i, text.encode("latin-1", errors="replace")))
    return out
