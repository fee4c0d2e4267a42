"""Report ingestion: read a scanner report within limits, validate it, normalise it to Findings."""
