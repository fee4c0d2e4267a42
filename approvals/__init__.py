"""Approval requests, decisions (single-use, content-bound, expiring) and approval channels."""
