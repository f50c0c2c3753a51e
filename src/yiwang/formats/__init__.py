"""Local overrides of Django's per-language formats (settings.FORMAT_MODULE_PATH).
Chinese uses Django's own zh_Hans formats (2026年12月7日); see docs/i18n.md."""
