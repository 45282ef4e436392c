"""Amazon India Selling Partner API adapter."""
