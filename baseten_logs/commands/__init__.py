"""Command bodies: plain functions with keyword-only arguments, called by cli.py."""
