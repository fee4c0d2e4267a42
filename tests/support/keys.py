"""A fixed HMAC key for secret fingerprints, so tests are deterministic."""

TEST_SECRET_KEY = b"appsec-triage test key: not a secret"
