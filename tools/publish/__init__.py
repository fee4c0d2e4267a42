"""Where approved tickets go: the dry-run outbox now, GitHub later, behind one interface."""
