"""Robnu's marketplace sandboxes: HTTP simulators of the AJIO, Meesho, Amazon SP-API and Flipkart seller APIs.

Only wiring (CLI, demo) and tests import this package; services and adapters never do.
"""
