"""Log sources: what a deployment, environment, chain or training job is, and its logs path."""
