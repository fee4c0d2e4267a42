# syntax=docker/dockerfile:1.7
# appsec-triage: the worker, the batch command and the Slack app in one image (docs/operations.md).
#
#   docker build -t appsec-triage .
#   docker run --rm -e APPSEC_TRIAGE_DB_URL=postgresql+psycopg://... appsec-triage worker
#
# Pin the base image by digest where you build it (and let Dependabot move the pin):
#   docker build --build-arg PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:<digest> .
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: resolve and install from the hashed lock; nothing of this stage ships but /opt/app
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src

# The whole lock (runtime and dev tools), every file checked against its hash, into a throwaway
# environment: it builds the application's wheel and tells which locked packages run it.
COPY requirements.lock ./
RUN python -m venv /opt/locked \
 && /opt/locked/bin/pip install --require-hashes --no-deps -r requirements.lock

COPY pyproject.toml README.md ./
COPY agent ./agent
COPY tools ./tools
COPY approvals ./approvals
COPY evals ./evals
COPY config ./config
RUN /opt/locked/bin/pip wheel --no-deps --no-build-isolation --wheel-dir /wheels .

# The runtime closure: the application's requirements without the dev extra, followed through
# the installed metadata, and their entries (with hashes) cut from the lock.
COPY <<'PY' /src/runtime_lock.py
import re
import sys
from importlib.metadata import distribution

from packaging.requirements import Requirement


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


todo, seen = [("appsec-triage", frozenset())], set()
while todo:
    name, extras = todo.pop()
    if (norm(name), extras) in seen:
        continue
    seen.add((norm(name), extras))
    for spec in distribution(name).requires or []:
        req = Requirement(spec)
        if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in extras | {""}):
            todo.append((req.name, frozenset(req.extras)))
needed = {name for name, _ in seen} - {"appsec-triage"}
lock = open(sys.argv[1], encoding="utf-8").read()
entries = [e for e in re.split(r"\n(?=[a-z0-9])", lock) if not e.startswith("#")]
kept = [e.rstrip() for e in entries if norm(e.split("==")[0]) in needed]
missing = needed - {norm(e.split("==")[0]) for e in kept}
if missing:
    sys.exit(f"not in requirements.lock: {sorted(missing)}")
print("\n".join(kept))
PY
RUN /opt/locked/bin/pip install --no-deps --no-index /wheels/*.whl \
 && /opt/locked/bin/python /src/runtime_lock.py requirements.lock > /src/runtime.lock \
 && python -m venv /opt/app \
 && /opt/app/bin/pip install --require-hashes --no-deps -r /src/runtime.lock \
 && /opt/app/bin/pip install --no-deps --no-index /wheels/*.whl \
 && /opt/app/bin/pip check \
 && /opt/app/bin/pip uninstall --yes pip

# ---- runtime: the interpreter, the application's environment, an unprivileged user; no
# compiler, no package installer, no dev tools
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="appsec-triage" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN groupadd --system --gid 10001 appsec \
 && useradd --system --uid 10001 --gid appsec --no-create-home --shell /usr/sbin/nologin appsec \
 && install -d -o appsec -g appsec -m 0750 /var/lib/appsec-triage
COPY --from=build /opt/app /opt/app
ENV PATH=/opt/app/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    LANGGRAPH_STRICT_MSGPACK=true \
    APPSEC_TRIAGE_STATE_DIR=/var/lib/appsec-triage \
    APPSEC_TRIAGE_LOG_FORMAT=json \
    APPSEC_TRIAGE_LOG_LEVEL=INFO
USER 10001:10001
WORKDIR /var/lib/appsec-triage
ENTRYPOINT ["appsec-triage"]
CMD ["worker"]
