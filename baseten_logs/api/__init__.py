"""The one HTTP client: bounds, deadlines, pacing, retries, the API's URLs and masking."""
