"""Model serving: endpoint configuration, traffic routing, and the HTTP server (ASGI)."""
