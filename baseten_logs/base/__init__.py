"""The vocabulary every layer shares: errors and exit statuses, times, log levels."""
