"""The dependency context of an SCA finding, read from the repository's manifests and code.

``dependency_context(reader, ecosystem=..., package=..., manifest_path=...)`` is the entry point
(see lookup.py); one module per manifest family parses, with pure functions over a RepoReader:

* requirements.py: pip requirements files (and pip-compile output)
* pyproject.py: pyproject.toml (PEP 621, PEP 735, Poetry, uv)
* pylocks.py: poetry.lock, uv.lock
* pipenv.py: Pipfile, Pipfile.lock
* npm.py: package.json, package-lock.json / npm-shrinkwrap.json
* yarn.py: yarn.lock (v1 and Berry)
* gomod.py: go.mod
* imports.py: the import scan; walk.py: bounded directory walks; names.py: name normalisation
"""

from tools.repo.dependencies.common import ManifestError
from tools.repo.dependencies.lookup import dependency_context
from tools.repo.dependencies.model import DependencyContext, FieldSource

__all__ = ["DependencyContext", "FieldSource", "ManifestError", "dependency_context"]
