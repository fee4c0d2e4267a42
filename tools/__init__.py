"""Everything the agent reads or acts on: parsers, the repository reader, the store, publishers."""
