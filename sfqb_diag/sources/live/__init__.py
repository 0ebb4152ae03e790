"""Live sources: read-only pulls from Salesforce and QuickBooks Online, tokens, and `doctor`."""
