"""`baseten-logs browse`: a full-screen, live view of a deployment's logs (Textual)."""
