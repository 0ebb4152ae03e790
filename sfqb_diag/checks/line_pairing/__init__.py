"""Invoice-line pairing shared by two areas, below both: `products` reports lines present on both
sides that differ (quantity, price, discount, tax, currency, rounding), `partial_sync` reports
Salesforce lines that never reached an invoice whose other lines did (DESIGN.md: "missing
invoices or lines"). Neither area imports the other; both import this package."""
