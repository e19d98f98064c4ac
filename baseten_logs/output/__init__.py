"""Output: renderers, the one escaping door, terminal decisions, pipes, messages, stats, tables."""
