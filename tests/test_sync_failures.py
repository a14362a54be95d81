"""Each way a push fails gets its kind and a sentence naming the server (no network)."""

from __future__ import annotations

import ssl

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey

from daemon.sync.failures import SENTENCES, kind_of, sentence, server_label, status_kind
from daemon.sync.transport import CentralRefused, Retryable
from protocol.sync_targets import FailureKind
from protocol.words import plural

_KEY = ConnectionKey("central.example", 443, True, True, None, None, None)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (aiohttp.ClientConnectorError(_KEY, ConnectionRefusedError(111, "refused")), "unreachable"),
        (aiohttp.ServerDisconnectedError(), "unreachable"),
        (ConnectionResetError(), "unreachable"),
        (aiohttp.ServerTimeoutError("read timed out"), "timeout"),
        (TimeoutError(), "timeout"),
        (ssl.SSLCertVerificationError("certificate verify failed"), "tls"),
        (
            aiohttp.ClientConnectorCertificateError(_KEY, ssl.SSLCertVerificationError("x")),
            "tls",
        ),
        (CentralRefused(401, "unknown or revoked machine token"), "token_refused"),
        (
            CentralRefused(403, "this machine token belongs to another installation"),
            "token_other_machine",
        ),
        (
            CentralRefused(
                403,
                "installation 5d1c… has pushed here with another token, and a new token "
                "takes it over only with its installation secret; …",
            ),
            "token_takeover",
        ),
        (
            CentralRefused(409, "this central speaks sync protocol 2, the client sent 1"),
            "server_version",
        ),
        (CentralRefused(409, "a name already used"), "other"),
        (CentralRefused(404, "Not Found"), "server_version"),
        (CentralRefused(426, "Upgrade Required"), "server_version"),
        (CentralRefused(413, "Request Entity Too Large"), "server_full"),
        (Retryable("central answered 507: Insufficient Storage", 507), "server_full"),
        (Retryable("central answered 503: starting", 503), "unreachable"),
        (Retryable("central answered 500: boom", 500), "other"),
        (CentralRefused(422, "the batch has a value central cannot store"), "other"),
        (ValueError("anything else"), "other"),
    ],
)
def test_each_failure_has_its_kind(error: BaseException, kind: FailureKind) -> None:
    assert kind_of(error) == kind


def test_a_status_alone_is_classified() -> None:
    assert status_kind(401) == "token_refused"
    assert status_kind(504) == "timeout"


@pytest.mark.parametrize(
    ("name", "url", "label"),
    [
        ("Home server", "https://photos.example.com", "“Home server” (photos.example.com)"),
        ("photos.example.com", "https://photos.example.com", "“photos.example.com”"),
        ("127.0.0.1:8100", "http://127.0.0.1:8100", "“127.0.0.1:8100”"),
    ],
)
def test_the_server_is_named_as_the_user_named_it(name: str, url: str, label: str) -> None:
    assert server_label(name, url) == label


@pytest.mark.parametrize("kind", list(SENTENCES))
def test_every_sentence_names_the_server_and_no_placeholder_is_left(kind: FailureKind) -> None:
    said = sentence(kind, "“Home server” (photos.example.com)", refused=3)
    assert "“Home server” (photos.example.com)" in said
    assert "{" not in said
    assert said.endswith(".")


def test_refused_photos_are_counted_in_words() -> None:
    assert "did not take 1 photo;" in sentence("refused_photos", "“x”", refused=1)
    assert "did not take 2 photos;" in sentence("refused_photos", "“x”", refused=2)


@pytest.mark.parametrize(
    ("n", "one", "many", "said"),
    [
        (0, "photo", None, "0 photos"),
        (1, "photo", None, "1 photo"),
        (2, "photo", None, "2 photos"),
        (1234, "photo", None, "1,234 photos"),
        (1, "copy", "copies", "1 copy"),
        (3, "copy", "copies", "3 copies"),
    ],
)
def test_plural(n: int, one: str, many: str | None, said: str) -> None:
    assert plural(n, one, many) == said
