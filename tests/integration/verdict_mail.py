"""Messages whose verdict is known in advance, for the inline-verdict tests: EICAR as plain text, as a base64
attachment and inside a zip, a link to a listed domain, and clean filler of an exact size.

Owns: building them (CRLF, not dot-stuffed), each with the id header and Message-ID that tools/lib/mailgen.py
messages carry, so one index finds every kind at the backend. The EICAR string is assembled at run time.
May call: tools/lib/mailgen.py (the id header), the standard library.
"""
import base64
import email.utils
import io
import zipfile

from itlib import mailgen

# The EICAR test file (eicar.org), 68 bytes; split so that no file of the repository holds it whole.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR" + b"-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
BOUNDARY = "sluice-test-boundary-0001"


def _head(test_id, sender, rcpt, content_type):
    return (f"From: <{sender}>\r\nTo: <{rcpt}>\r\nSubject: sluice integration {test_id}\r\n"
            f"Date: {email.utils.formatdate()}\r\nMessage-ID: <{test_id}@client.test>\r\n"
            f"{mailgen.ID_HEADER}: {test_id}\r\nMIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n").encode()


def _b64(data):
    text = base64.b64encode(data).decode()
    return "".join(text[i:i + 76] + "\r\n" for i in range(0, len(text), 76)).encode()


def filler(size):
    """`size` bytes of plain text lines (about), none starting with a dot."""
    line = b"The quick brown fox jumps over the lazy dog 0123456789 abcdefghijklmnopqrstuv\r\n"
    return line * max(0, size // len(line))


def eicar_plain(test_id, sender="sender@client.test", rcpt="user@sluice.test"):
    return _head(test_id, sender, rcpt, "text/plain; charset=us-ascii") + b"Test file follows.\r\n" + EICAR + b"\r\n"


def _with_attachment(test_id, sender, rcpt, name, ctype, payload, text=b"See the attachment.\r\n"):
    return (_head(test_id, sender, rcpt, f'multipart/mixed; boundary="{BOUNDARY}"') +
            f"--{BOUNDARY}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n".encode() + text +
            f"--{BOUNDARY}\r\nContent-Type: {ctype}; name=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n"
            f"Content-Disposition: attachment; filename=\"{name}\"\r\n\r\n".encode() + _b64(payload) +
            f"--{BOUNDARY}--\r\n".encode())


def eicar_base64(test_id, sender="sender@client.test", rcpt="user@sluice.test", text_size=0):
    """EICAR as a base64 attachment after a text part of about `text_size` bytes (large: the message streams)."""
    return _with_attachment(test_id, sender, rcpt, "eicar.com", "application/octet-stream", EICAR,
                            b"See the attachment.\r\n" + filler(text_size))


def eicar_zip(test_id, sender="sender@client.test", rcpt="user@sluice.test"):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("readme.txt", "nothing to see\n")
        z.writestr("eicar.com", EICAR)
    return _with_attachment(test_id, sender, rcpt, "files.zip", "application/zip", buf.getvalue())


def link(test_id, domain, sender="sender@client.test", rcpt="user@sluice.test"):
    """A clean text message holding a link to `domain`."""
    return _head(test_id, sender, rcpt, "text/plain; charset=us-ascii") + \
        f"Please look at http://www.{domain}/offer/{test_id} soon.\r\n".encode()


def clean(test_id, size, sender="sender@client.test", rcpt="user@sluice.test"):
    """mailgen's deterministic message (its Sent: data, body_sha256, size)."""
    return mailgen.make(test_id, size, sender=sender, rcpt=rcpt)
