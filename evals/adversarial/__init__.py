"""The adversarial eval: injection payloads planted in a repository, a scripted hostile model."""
