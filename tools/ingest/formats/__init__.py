"""One module per report format, each exposing FORMAT, looks_like and parse."""
