"""The two small rules the key's safety rests on: which hosts count as this machine, and when a request
may be sent again. Each expectation is written out by hand, not derived from the code under test."""

from __future__ import annotations

import random
from typing import Any

import pytest

from registry_mcp import RegistryClient
from registry_mcp.mcp.http_auth import EnkryptKeyVerifier, HttpAuth
from registry_mcp.public_registry.client import PublicRegistry
from registry_mcp.registry.retries import DEFAULT_RETRIES, NO_RETRIES, RETRYABLE_STATUSES, RetryPolicy
from registry_mcp.settings import HttpAuthMode, Settings
from registry_mcp.urls import is_cleartext, is_loopback, without_credentials

LOOPBACK = ["localhost", "127.0.0.1", "127.8.9.10", "127.255.255.254", "::1", "[::1]"]
NOT_LOOPBACK = [
    # look-alike names: only the exact name `localhost` is this machine
    "localhost.evil.example",
    "evil-localhost",
    "mylocalhost",
    "localhost.",
    "127.0.0.1.nip.io",
    "127.0.0.1.evil.example",
    # private and link-local ranges are other machines on the network
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.10",
    "169.254.169.254",
    "100.64.0.1",
    "fd00::1",
    "fe80::1",
    "[fe80::1]",
    # the unspecified address and public addresses
    "0.0.0.0",
    "::",
    "8.8.8.8",
    "2001:db8::1",
    "",
]
NO_CREDENTIALS: dict[str, Any] = {"token": None, "verifier": None, "issuer": None, "resource_url": "http://x/mcp"}


@pytest.mark.parametrize("host", LOOPBACK)
def test_loopback_hosts_are_this_machine(host: str) -> None:
    assert is_loopback(host) is True


@pytest.mark.parametrize("host", NOT_LOOPBACK)
def test_private_lookalike_and_public_hosts_are_not_this_machine(host: str) -> None:
    assert is_loopback(host) is False


@pytest.mark.parametrize(
    ("url", "cleartext"),
    [
        ("http://registry.example.com/mcp", True),
        ("HTTP://registry.example.com/mcp", True),
        ("  http://registry.example.com  ", True),
        ("http://10.1.2.3:8080/mcp", True),
        ("http://192.168.0.5/mcp", True),
        ("http://localhost.evil.example/mcp", True),
        ("http://user:pw@evil.example/mcp", True),
        ("http://[fe80::1]:80/", True),
        ("https://registry.example.com/mcp", False),
        ("HTTPS://registry.example.com/mcp", False),
        ("http://localhost:8000/mcp", False),
        ("http://LOCALHOST:8000/mcp", False),
        ("http://127.0.0.1:9/", False),
        ("http://[::1]:8080/mcp", False),
        ("ws://registry.example.com/", False),
    ],
)
def test_cleartext_urls_are_plain_http_to_another_machine(url: str, cleartext: bool) -> None:
    assert is_cleartext(url) is cleartext


@pytest.mark.parametrize(
    "base_url",
    [
        "http://registry.example.com",
        "http://10.0.0.7:8080",
        "http://192.168.1.2",
        "http://172.20.0.2",
        "http://localhost.evil.example",
        "http://127.0.0.1.nip.io",
        "http://[fe80::1]:8080",
        "ftp://registry.example.com",
    ],
)
def test_the_key_is_refused_for_plain_http_beyond_this_machine(base_url: str) -> None:
    with pytest.raises(ValueError, match="must use https"):
        RegistryClient("key", base_url=base_url)


@pytest.mark.parametrize(
    "base_url", ["https://api.enkryptai.com", "http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:2"]
)
def test_the_key_is_accepted_over_https_or_loopback(base_url: str) -> None:
    RegistryClient("key", base_url=base_url)  # nothing is sent


def test_without_a_key_any_url_is_accepted() -> None:
    RegistryClient(None, base_url="http://registry.example.com")


@pytest.mark.parametrize("url", ["http://registry.example.com", "http://10.0.0.7", "ftp://127.0.0.1"])
def test_the_public_registry_is_refused_over_plain_http_beyond_this_machine_and_says_why(url: str) -> None:
    # Its records say what a gateway runs: read over clear text, anyone on the way could rewrite them.
    with pytest.raises(ValueError) as refused:
        PublicRegistry(url)
    assert str(refused.value) == (
        f"The public registry URL {url!r} must use https:// (plain http:// is allowed only for a loopback "
        "address such as 127.0.0.1 or localhost), since entries built from its answers say what a gateway runs."
    )


@pytest.mark.parametrize("url", ["https://registry.modelcontextprotocol.io", "http://127.0.0.1:8080"])
def test_the_public_registry_is_accepted_over_https_or_loopback(url: str) -> None:
    PublicRegistry(url)  # nothing is sent


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://registry.example.com/mcp", "https://registry.example.com/mcp"),
        ("https://user:hunter2@registry.example.com/mcp", "https://***@registry.example.com/mcp"),
        ("https://token@registry.example.com:8443/", "https://***@registry.example.com:8443/"),
        # only the last @ ends the credentials: a password may hold another
        ("https://me:p@ss@host.example/x", "https://***@host.example/x"),
        ("https://host.example/mcp?api_key=hunter2&x=1", "https://host.example/mcp?***"),
        ("https://u:p@host.example/mcp?token=t#top", "https://***@host.example/mcp?***#top"),
        ("https://host.example/mcp?", "https://host.example/mcp"),
        ("http://[::1", "***"),  # not a URL: nothing of it is shown
    ],
)
def test_a_url_is_shown_without_its_credentials_or_query(url: str, shown: str) -> None:
    assert without_credentials(url) == shown


def test_the_statuses_worth_retrying() -> None:
    assert set(RETRYABLE_STATUSES) == {429, 502, 503, 504}


def test_the_default_policy_tries_four_times_and_no_retries_tries_once() -> None:
    assert (DEFAULT_RETRIES.attempts, NO_RETRIES.attempts) == (4, 1)
    assert NO_RETRIES.delay(1) is None
    assert DEFAULT_RETRIES.delay(3) is not None and DEFAULT_RETRIES.delay(4) is None


def test_backoff_doubles_with_jitter_between_half_and_whole() -> None:
    policy = RetryPolicy(attempts=10, backoff=1.0, max_backoff=100.0)
    random.seed(7)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0)]:
        waits = [policy.delay(attempt) for _ in range(200)]
        assert all(w is not None and ceiling / 2 <= w <= ceiling for w in waits), attempt
        # jitter: the waits are spread, not all the same
        assert max(w for w in waits if w is not None) - min(w for w in waits if w is not None) > ceiling / 4


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(attempts=20, backoff=1.0, max_backoff=3.0)
    waits = [policy.delay(12) for _ in range(100)]
    assert all(w is not None and 1.5 <= w <= 3.0 for w in waits)


def test_retry_after_is_obeyed_up_to_the_limit_and_no_further() -> None:
    policy = RetryPolicy(attempts=3, max_retry_after=30.0)
    assert policy.delay(1, retry_after=0.0) == 0.0
    assert policy.delay(1, retry_after=7.5) == 7.5
    assert policy.delay(1, retry_after=30.0) == 30.0
    assert policy.delay(1, retry_after=30.5) is None
    # never past the last attempt, whatever the registry asks
    assert policy.delay(3, retry_after=1.0) is None


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_serving_without_authentication_is_allowed_on_loopback(host: str) -> None:
    assert HttpAuth.choose(Settings(), mode="none", host=host, **NO_CREDENTIALS).mode is HttpAuthMode.NONE


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "10.0.0.5", "::", "localhost.evil.example", "example.com"])
def test_serving_without_authentication_is_refused_beyond_loopback(host: str) -> None:
    with pytest.raises(ValueError, match=r"--auth none serves only this machine: use --host 127\.0\.0\.1"):
        HttpAuth.choose(Settings(), mode="none", host=host, **NO_CREDENTIALS)


@pytest.mark.anyio
async def test_a_caller_key_that_is_not_ascii_is_refused_not_a_crash() -> None:
    verifier = EnkryptKeyVerifier(Settings(base_url="https://registry.invalid"))
    assert await verifier.verify_token("ключ-sk-0123456789") is None
