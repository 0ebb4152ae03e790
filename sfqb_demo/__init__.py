"""The demo kit beside the product: a seeded demo client, a loopback stand-in for both APIs, and
an applier of fix lists for the stand-in. The product never imports it (except its CLI verbs)."""
