"""The registry API: its payload models, its endpoints, the HTTP client, and modify's merge rules."""
