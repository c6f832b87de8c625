"""Accounts: the custom User model, present from the first migration."""
