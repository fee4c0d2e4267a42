"""Settings and shipped defaults. The lowest layer: it imports nothing from the others."""
