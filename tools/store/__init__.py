"""The relational store (SQLite or PostgreSQL): findings, cases, approvals, audit, outbox."""
