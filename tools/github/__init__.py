"""How the product authenticates to GitHub: a token per repository and per action."""
