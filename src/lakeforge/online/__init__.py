"""The online store: latest feature rows per key, published from Delta, looked up by key."""
