"""Accounts, Argon2 passwords and signed tokens."""
