"""Who may do what on the 12345 line (docs/hotline.md, "Who sees what"). Filled in by the
services' author; see services.py."""
