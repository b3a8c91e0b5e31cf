"""Delta tables by three-level name, the workspace that holds them, and SQL over them."""
