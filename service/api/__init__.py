"""Thin HTTP routes; each resolves its dependencies and calls one gateway function."""
