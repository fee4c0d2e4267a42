"""Repository content the model is never shown: credential files and well-known token shapes.

The model needs code to triage a finding, not the repository's keys. Files whose names say they
hold credentials are refused outright; in everything else, tokens with a recognisable shape
(GitHub, Slack, OpenAI, AWS access key ids: the same shapes the log masker knows) are masked
before the output leaves the toolbox. Neither is a secret scanner: a password in ordinary code
still reaches the model, which is why secret findings are kept away from it upstream.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from config.logs import SecretMasker

_CREDENTIAL_NAMES = frozenset(
    {
        ".env",
        ".npmrc",
        ".pypirc",
        ".netrc",
        "_netrc",
        ".git-credentials",
        ".htpasswd",
        "credentials",
        "id_rsa",
        "id_dsa",
        "id_ecdsa",
        "id_ed25519",
    }
)
_CREDENTIAL_SUFFIXES = (".pem", ".key", ".p12", ".pfx", ".jks", ".keystore")
_TEMPLATES = frozenset({".env.example", ".env.sample", ".env.template", ".env.dist"})
_TOKENS = SecretMasker(())


def is_credential_file(path: str) -> bool:
    """True for ``.env`` (not its templates), SSH/TLS keys, and package-manager credential files."""
    name = PurePosixPath(path.replace("\\", "/")).name.lower()
    if name in _TEMPLATES:
        return False
    return (
        name in _CREDENTIAL_NAMES or name.startswith(".env.") or name.endswith(_CREDENTIAL_SUFFIXES)
    )


def mask_tokens(text: str) -> str:
    """``text`` with well-known token shapes replaced by ``[REDACTED]``."""
    return _TOKENS.mask(text)
