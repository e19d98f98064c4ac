"""Reading logs: the query, paging, parallel windows, follow, merging, local filters, progress."""
