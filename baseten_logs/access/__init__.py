"""Where the API key, URL and logins come from: flags, environment, truss and the baseten CLI."""
