"""app/mail.py: the log backend's outbox, SMTP delivery to a local test server, STARTTLS
being required when configured, and refusing header injection."""

import base64
import socket
import socketserver
import threading

import pytest

from app.web.mail import MailError, outbox, send_mail
from tests.integration.member_helpers import invite
from tests.pages import Page


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT."""

    def handle(self):
        self.wfile.write(b"220 test ESMTP\r\n")
        in_data, lines = False, []
        while line := self.rfile.readline():
            if in_data:
                if line == b".\r\n":
                    self.server.messages.append(b"".join(lines).decode())
                    in_data, lines = False, []
                    self.wfile.write(b"250 queued\r\n")
                else:
                    lines.append(line)
                continue
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.wfile.write(b"250-test\r\n250 AUTH PLAIN\r\n")
            elif verb == b"AUTH":
                self.server.logins.append(base64.b64decode(line.split()[2]))
                self.wfile.write(b"235 ok\r\n")
            elif verb == b"DATA":
                in_data = True
                self.wfile.write(b"354 go ahead\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture()
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.messages, server.logins = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture()
def smtp_config(app, monkeypatch, smtp_server):
    host, port = smtp_server.server_address
    for key, value in {
        "MAIL_BACKEND": "smtp",
        "SMTP_HOST": host,
        "SMTP_PORT": port,
        "SMTP_STARTTLS": False,
        "SMTP_USER": "mailer",
        "SMTP_PASSWORD": "mail-secret",
        "MAIL_FROM": "no-reply@dx.example.jp",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    return smtp_server


def test_log_backend_keeps_messages_in_the_outbox(app):
    send_mail("a@example.jp", "件名", "本文です")
    assert outbox()[-1] == {"to": "a@example.jp", "subject": "件名", "body": "本文です"}
    assert app.extensions["outbox"] is outbox()


def test_outbox_stays_bounded(app):
    for n in range(250):
        send_mail("bulk@example.jp", f"#{n}", "x")
    assert len(outbox()) == 200 and outbox()[-1]["subject"] == "#249"


def test_smtp_backend_delivers_with_login(smtp_config):
    send_mail("to@example.jp", "ご招待", "こんにちは\nリンク: http://x/invitations/abc")
    (message,) = smtp_config.messages
    assert "From: no-reply@dx.example.jp" in message and "To: to@example.jp" in message
    assert "Subject: =?utf-8?" in message  # the Japanese subject is encoded, not raw
    assert smtp_config.logins == [b"\0mailer\0mail-secret"]


def test_starttls_is_required_when_configured(app, monkeypatch, smtp_config):
    monkeypatch.setitem(app.config, "SMTP_STARTTLS", True)
    with pytest.raises(MailError):
        send_mail("to@example.jp", "件名", "本文")  # the server offers no STARTTLS
    assert smtp_config.messages == []


@pytest.mark.parametrize(
    ("to", "subject"),
    [
        ("a@example.jp\r\nBcc: x@evil.example", "件名"),
        ("a@example.jp", "件名\nBcc: x@evil.example"),
    ],
)
def test_line_breaks_in_headers_are_refused(to, subject):
    count = len(outbox())
    with pytest.raises(MailError):
        send_mail(to, subject, "本文")
    assert len(outbox()) == count


def test_unknown_backend_is_an_error(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "pigeon")
    with pytest.raises(MailError):
        send_mail("a@example.jp", "件名", "本文")


def test_invitation_survives_a_mail_server_outage(
    app, client, db, monkeypatch, make_user, make_company, login
):
    from app.models import Invitation

    owner = make_user(email="owner@example.jp")
    company = make_company(owner)
    login(owner.email)
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "SMTP_PORT", closed_port)
    response = invite(client, company.id, "guest@example.jp")
    assert response.status_code == 302
    members = Page(client.get(response.headers["Location"]))
    assert members.flashes("warning") == [
        "招待を作成しましたが、メールを送信できませんでした。時間をおいて、もう一度招待してください。"
    ]
    assert members.flashes("success") == []
    assert db.session.scalar(db.select(Invitation.email)) == "guest@example.jp"
