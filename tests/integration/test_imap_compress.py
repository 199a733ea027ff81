"""IMAP COMPRESS=DEFLATE (RFC 4978) over IMAPS with Python's imaplib.

The client side of the RFC is written here from the RFC with zlib (raw
DEFLATE, wbits=-15, a sync flush after each command), in a small subclass of
imaplib.IMAP4_SSL that overrides read/readline/send: an independent
implementation of the other end. After `COMPRESS DEFLATE` the tests SELECT,
APPEND and FETCH a large message, IDLE while a second connection APPENDs,
check the wire really carried compressed bytes, the capability in the
authenticated state only (and in LOGIN's response code), NO
[COMPRESSIONACTIVE] for a second COMPRESS, BAD for an unknown mechanism,
compressed bytes pipelined right after the command, and a compression bomb
(a 20 MB line from a few KB of DEFLATE) answered with BAD [TOOBIG] while the
session goes on.
"""
import imaplib
import re
import socket
import unittest
import zlib

from harness import Node
from imap_helpers import login, tls_context

USER = "demo@example.test"
PASSWORD = "pw-demo"
# imaplib (3.11) knows no COMPRESS; allowed in every state here so that the
# server, not imaplib, judges the state.
imaplib.Commands.setdefault("COMPRESS", ("NONAUTH", "AUTH", "SELECTED"))

LIMITS = """[imap]
max_append_size = "10M"
"""


class CompressedIMAP4_SSL(imaplib.IMAP4_SSL):
    """imaplib.IMAP4_SSL that can turn on COMPRESS=DEFLATE."""

    def __init__(self, *args, **kwargs):
        self._compressor = None
        self._decompressor = None
        self._plain = b""
        self.wire_in = 0    # compressed bytes received since COMPRESS
        self.plain_in = 0   # bytes they inflated to
        self.wire_out = 0
        self.plain_out = 0
        super().__init__(*args, **kwargs)

    def compress(self):
        typ, data = self._simple_command("COMPRESS", "DEFLATE")
        if typ == "OK":
            # RFC 4978 4: both directions are compressed from here on.
            self._compressor = zlib.compressobj(wbits=-15)
            self._decompressor = zlib.decompressobj(wbits=-15)
        return typ, data

    def send(self, data):
        if self._compressor is None:
            return super().send(data)
        out = self._compressor.compress(data) + self._compressor.flush(zlib.Z_SYNC_FLUSH)
        self.wire_out += len(out)
        self.plain_out += len(data)
        self.sock.sendall(out)

    def _fill(self):
        data = self.file.read1(65536)
        if not data:
            raise self.abort("socket error: EOF")
        self.wire_in += len(data)
        plain = self._decompressor.decompress(data)
        self.plain_in += len(plain)
        self._plain += plain

    def read(self, size):
        if self._compressor is None:
            return super().read(size)
        while len(self._plain) < size:
            self._fill()
        out, self._plain = self._plain[:size], self._plain[size:]
        return out

    def readline(self):
        if self._compressor is None:
            return super().readline()
        while b"\n" not in self._plain:
            if len(self._plain) > imaplib._MAXLINE:
                raise self.error("got more than %d bytes" % imaplib._MAXLINE)
            self._fill()
        end = self._plain.index(b"\n") + 1
        out, self._plain = self._plain[:end], self._plain[end:]
        return out


def big_message(subject, size):
    """A text message of about `size` bytes that compresses well but not to nothing."""
    lines = []
    n = 0
    while n < size:
        line = b"Line %06d of the quarterly report: figures %d, %d and %d.\r\n" % (
            len(lines), len(lines) * 7 % 1013, len(lines) * 13 % 977, len(lines) * 31 % 661)
        lines.append(line)
        n += len(line)
    return (b"From: Alice <alice@remote.example>\r\nTo: Demo <demo@example.test>\r\n"
            b"Subject: " + subject.encode() + b"\r\nDate: Wed, 25 Nov 2026 10:00:00 +0000\r\n"
            b"Message-ID: <" + subject.replace(" ", ".").encode() + b"@remote.example>\r\n\r\n" + b"".join(lines))


class ImapCompressTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node(extra_config=LIMITS)
        cls.node.add_user(USER, PASSWORD)
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        cls.node.cleanup()

    def connect(self):
        imap = CompressedIMAP4_SSL("127.0.0.1", self.node.ports["imaps"], ssl_context=tls_context(), timeout=60)
        self.addCleanup(self.close_quietly, imap)
        return imap

    @staticmethod
    def close_quietly(imap):
        try:
            imap.shutdown()
        except (OSError, ValueError):
            pass

    def test_capability_only_when_authenticated(self):
        imap = self.connect()
        self.assertNotIn("COMPRESS=DEFLATE", imap.capabilities)
        with self.assertRaises(imaplib.IMAP4.error):  # BAD: not in this state
            imap._simple_command("COMPRESS", "DEFLATE")
        typ, data = imap.login(USER, PASSWORD)
        self.assertEqual(typ, "OK")
        self.assertIn(b"COMPRESS=DEFLATE", data[0])  # LOGIN's [CAPABILITY ...]
        typ, data = imap.capability()
        self.assertIn(b"COMPRESS=DEFLATE", data[0].split())
        imap.logout()

    def test_unknown_mechanism_is_bad_and_session_stays_plain(self):
        imap = self.connect()
        imap.login(USER, PASSWORD)
        with self.assertRaises(imaplib.IMAP4.error) as caught:
            imap._simple_command("COMPRESS", "LZ77X")
        self.assertIn("Unknown compression mechanism", str(caught.exception))
        typ, _ = imap.noop()  # still uncompressed
        self.assertEqual(typ, "OK")
        imap.logout()

    def test_compressed_session(self):
        imap = self.connect()
        imap.login(USER, PASSWORD)
        typ, data = imap.compress()
        self.assertEqual(typ, "OK", data)

        # A second COMPRESS: NO [COMPRESSIONACTIVE], still compressed.
        typ, data = imap._simple_command("COMPRESS", "DEFLATE")
        self.assertEqual(typ, "NO")
        self.assertIn("COMPRESSIONACTIVE", imap.untagged_responses)
        imap.untagged_responses.clear()

        imap.create("Big")
        message = big_message("compressed big", 3_000_000)
        typ, data = imap.append("Big", None, None, message)
        self.assertEqual(typ, "OK", data)
        uid = int(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1))
        typ, data = imap.select("Big")
        self.assertEqual(typ, "OK", data)
        self.assertEqual(int(data[0]), 1)

        before_in = imap.wire_in
        plain_before = imap.plain_in
        typ, data = imap.uid("FETCH", str(uid), "(RFC822.SIZE BODY.PEEK[])")
        self.assertEqual(typ, "OK", data)
        self.assertEqual(data[0][1], message)
        self.assertIn(b"RFC822.SIZE %d" % len(message), data[0][0])
        fetched_wire = imap.wire_in - before_in
        fetched_plain = imap.plain_in - plain_before
        self.assertGreater(fetched_plain, len(message))
        # The server compressed the response (text compresses well) ...
        self.assertLess(fetched_wire * 3, fetched_plain)
        # ... and inflated our 3 MB APPEND, which went out compressed too.
        self.assertLess(imap.wire_out * 3, imap.plain_out)

        # Partial FETCH and a FETCH list through the same streams.
        typ, data = imap.uid("FETCH", str(uid), "(BODY.PEEK[]<1000.50>)")
        self.assertEqual(data[0][1], message[1000:1050])

        # IDLE on the compressed connection while a plain one appends.
        typ, data = imap.select("INBOX")
        self.assertEqual(typ, "OK")
        exists = int(data[0])
        tag = imap._new_tag()
        imap.send(tag + b" IDLE\r\n")
        self.assertTrue(imap.readline().startswith(b"+ "))
        other = login(self.node, USER, PASSWORD)
        typ, _ = other.append("INBOX", None, None, big_message("seen through idle", 2000))
        self.assertEqual(typ, "OK")
        other.logout()
        while True:
            line = imap.readline()
            if line.strip() == b"* %d EXISTS" % (exists + 1):
                break
            self.assertTrue(line.startswith(b"* "), line)
        imap.send(b"DONE\r\n")
        while True:
            line = imap.readline()
            if line.startswith(tag):
                self.assertIn(b" OK ", line)
                break
        typ, data = imap.fetch(str(exists + 1), "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        self.assertEqual(typ, "OK")
        self.assertIn(b"seen through idle", data[0][1])
        typ, data = imap.logout()
        self.assertEqual(typ, "BYE")

    def raw_tls(self):
        raw = socket.create_connection(("127.0.0.1", self.node.ports["imaps"]), timeout=60)
        tls = tls_context().wrap_socket(raw)
        self.addCleanup(tls.close)
        reader = tls.makefile("rb")
        self.assertTrue(reader.readline().startswith(b"* OK"))
        tls.sendall(b"a LOGIN %s %s\r\n" % (USER.encode(), PASSWORD.encode()))
        self.assertTrue(reader.readline().startswith(b"a OK"))
        return tls, reader

    @staticmethod
    def read_inflated_lines(reader, inflater, count, buffer):
        """Reads compressed input until `count` lines are complete."""
        while buffer[0].count(b"\n") < count:
            chunk = reader.read1(65536)
            if not chunk:
                raise AssertionError("EOF with %r" % buffer[0])
            buffer[0] += inflater.decompress(chunk)
        lines = buffer[0].split(b"\r\n")
        buffer[0] = b"\r\n".join(lines[count:])
        return lines[:count]

    def test_command_pipelined_right_after_compress(self):
        # RFC 4978 says to wait for the OK; bytes sent at once must still be
        # read as compressed input (not as a command, not lost).
        tls, reader = self.raw_tls()
        deflater = zlib.compressobj(wbits=-15)
        inflater = zlib.decompressobj(wbits=-15)
        tls.sendall(b"b COMPRESS DEFLATE\r\n" + deflater.compress(b"c NOOP\r\n") + deflater.flush(zlib.Z_SYNC_FLUSH))
        self.assertTrue(reader.readline().startswith(b"b OK"))
        buffer = [b""]
        [line] = self.read_inflated_lines(reader, inflater, 1, buffer)
        self.assertTrue(line.startswith(b"c OK"), line)
        tls.sendall(deflater.compress(b"d LOGOUT\r\n") + deflater.flush(zlib.Z_SYNC_FLUSH))
        bye, done = self.read_inflated_lines(reader, inflater, 2, buffer)
        self.assertTrue(bye.startswith(b"* BYE"), bye)
        self.assertTrue(done.startswith(b"d OK"), done)

    def test_compression_bomb_is_a_long_line(self):
        tls, reader = self.raw_tls()
        tls.sendall(b"b COMPRESS DEFLATE\r\n")
        self.assertTrue(reader.readline().startswith(b"b OK"))
        deflater = zlib.compressobj(9, wbits=-15)
        inflater = zlib.decompressobj(wbits=-15)
        bomb = b"c NOOP " + b"A" * (20 * 1024 * 1024)
        wire = deflater.compress(bomb) + deflater.compress(b"\r\nd NOOP\r\n") + deflater.flush(zlib.Z_SYNC_FLUSH)
        self.assertLess(len(wire), 64 * 1024)
        tls.sendall(wire)
        buffer = [b""]
        too_long, ok = self.read_inflated_lines(reader, inflater, 2, buffer)
        self.assertIn(b"TOOBIG", too_long)
        self.assertTrue(ok.startswith(b"d OK"), ok)

    def test_corrupt_stream_ends_the_session(self):
        tls, reader = self.raw_tls()
        tls.sendall(b"b COMPRESS DEFLATE\r\n")
        self.assertTrue(reader.readline().startswith(b"b OK"))
        tls.sendall(b"\xff\xff\xff\xff not deflate at all\r\n")
        rest = reader.read()  # the server closes; nothing useful can follow
        self.assertLess(len(rest), 1024)
        # The server is still serving others.
        imap = self.connect()
        imap.login(USER, PASSWORD)
        imap.logout()


if __name__ == "__main__":
    unittest.main()
