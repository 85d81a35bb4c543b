"""Documents from citizens (komplettering): checks, malware scan, storage encrypted at rest, requests."""
