"""Repository location descriptors: what is stored on a finding to say where its code is."""

from __future__ import annotations

import pytest

from tools.repo.location import GithubCommit, LocalCheckout, parse_location

SHA = "0123456789abcdef0123456789abcdef01234567"
SHA256 = "ab" * 32


@pytest.mark.parametrize(
    ("descriptor", "location"),
    [
        ("local:/srv/checkouts/app", LocalCheckout("/srv/checkouts/app")),
        ("local:/a:b@c", LocalCheckout("/a:b@c")),
        (f"github:acme/app@{SHA}", GithubCommit("acme/app", SHA)),
        (f"github:acme/app.js@{SHA256}", GithubCommit("acme/app.js", SHA256)),  # sha256 repos
    ],
)
def test_descriptors_round_trip(descriptor: str, location: LocalCheckout | GithubCommit) -> None:
    parsed = parse_location(descriptor)
    assert parsed == location
    assert parsed.descriptor == descriptor


@pytest.mark.parametrize(
    "descriptor",
    [
        "",
        "/srv/app",  # no kind
        "local:relative/path",
        "local:/a\x00b",
        "github:acme/app@main",  # a branch moves: only a commit sha is a location
        f"github:acme/app@{SHA.upper()}",
        f"github:acme@{SHA}",
        f"github:acme/app/extra@{SHA}",
        f"github:../app@{SHA}",
        f"github:acme/app{SHA}",
        f"gitlab:acme/app@{SHA}",
    ],
)
def test_anything_else_is_refused(descriptor: str) -> None:
    with pytest.raises(ValueError, match="not a"):
        parse_location(descriptor)
