"""Ecosystem spellings, package-name normalisation and Python import names.

* PyPI names compare per PEP 503: lowercase, every run of ``-``, ``_`` and ``.`` becomes ``-``.
* npm names compare as written (``@scope/name`` included); Go module paths compare as written.
* A PyPI distribution is imported under a module name that is usually the normalised name with
  ``-`` turned into ``_``; :data:`PYTHON_IMPORT_NAMES` lists the common exceptions. A dotted
  distribution name (``zope.interface``) is also tried as a dotted module, and ``google-cloud-*``
  and ``azure-*`` distributions as their namespace packages (``google.cloud.*``, ``azure.*``).
"""

from __future__ import annotations

import re

from tools.repo.dependencies.common import Ecosystem

_ECOSYSTEMS: dict[str, Ecosystem] = {
    "pypi": "PyPI",
    "pip": "PyPI",
    "python": "PyPI",
    "poetry": "PyPI",
    "pipenv": "PyPI",
    "uv": "PyPI",
    "npm": "npm",
    "node": "npm",
    "nodejs": "npm",
    "javascript": "npm",
    "yarn": "npm",
    "go": "Go",
    "golang": "Go",
    "gomod": "Go",
    "go-module": "Go",
}

PYTHON_IMPORT_NAMES: dict[str, tuple[str, ...]] = {
    # distribution (PEP 503 normalised) -> top-level import names
    "attrs": ("attr", "attrs"),
    "beautifulsoup4": ("bs4",),
    "discord-py": ("discord",),
    "djangorestframework": ("rest_framework",),
    "dnspython": ("dns",),
    "faiss-cpu": ("faiss",),
    "faiss-gpu": ("faiss",),
    "google-api-python-client": ("googleapiclient",),
    "grpcio": ("grpc",),
    "ipython": ("IPython",),
    "markdown-it-py": ("markdown_it",),
    "linkify-it-py": ("linkify_it",),
    "msgpack-python": ("msgpack",),
    "mysqlclient": ("MySQLdb",),
    "opencv-contrib-python": ("cv2",),
    "opencv-contrib-python-headless": ("cv2",),
    "opencv-python": ("cv2",),
    "opencv-python-headless": ("cv2",),
    "pillow": ("PIL",),
    "protobuf": ("google.protobuf",),
    "psycopg-binary": ("psycopg",),
    "psycopg2-binary": ("psycopg2",),
    "pycrypto": ("Crypto",),
    "pycryptodome": ("Crypto",),
    "pycryptodomex": ("Cryptodome",),
    "pygithub": ("github",),
    "pyjwt": ("jwt",),
    "pymongo": ("pymongo", "bson", "gridfs"),
    "pyopenssl": ("OpenSSL",),
    "pyserial": ("serial",),
    "python-dateutil": ("dateutil",),
    "python-dotenv": ("dotenv",),
    "python-jose": ("jose",),
    "python-ldap": ("ldap",),
    "python-magic": ("magic",),
    "python-multipart": ("multipart", "python_multipart"),
    "python-socketio": ("socketio",),
    "python-engineio": ("engineio",),
    "python-telegram-bot": ("telegram",),
    "pyyaml": ("yaml",),
    "pyzmq": ("zmq",),
    "ruamel-yaml": ("ruamel.yaml",),
    "scikit-image": ("skimage",),
    "scikit-learn": ("sklearn",),
    "setuptools": ("setuptools", "pkg_resources"),
    "tensorflow-gpu": ("tensorflow",),
    "websocket-client": ("websocket",),
}


def canonical_ecosystem(name: str | None) -> Ecosystem | None:
    """The ecosystem in OSV spelling for a scanner's spelling, or None when unsupported/unknown."""
    if not name:
        return None
    return _ECOSYSTEMS.get(name.strip().lower())


def normalise(ecosystem: Ecosystem, name: str) -> str:
    """The comparable form of a package name in ``ecosystem``."""
    name = name.strip()
    if ecosystem == "PyPI":
        return pypi_name(name)
    if ecosystem == "Go":
        return name.strip('"`')
    return name


def pypi_name(name: str) -> str:
    """PEP 503: lowercase, runs of ``-``, ``_`` and ``.`` collapsed to ``-``."""
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def python_import_names(distribution: str) -> tuple[tuple[str, ...], bool]:
    """The module names ``distribution`` is imported as, and whether they came from the table.

    Without a table entry the names are guessed from the distribution name.
    """
    normalised = pypi_name(distribution)
    known = PYTHON_IMPORT_NAMES.get(normalised)
    if known is not None:
        return known, True
    guesses = [normalised.replace("-", "_")]
    raw = distribution.strip()
    if "." in raw and re.fullmatch(r"[A-Za-z_][\w]*(\.[A-Za-z_]\w*)+", raw):
        guesses.append(raw.lower())
    for prefix, namespace in (("google-cloud-", "google.cloud."), ("azure-", "azure.")):
        if normalised.startswith(prefix) and len(normalised) > len(prefix):
            guesses.append(namespace + normalised[len(prefix) :].replace("-", "."))
    return tuple(dict.fromkeys(guesses)), False
