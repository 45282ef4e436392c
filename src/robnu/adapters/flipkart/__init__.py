"""Flipkart Marketplace Seller API v3 adapter."""
