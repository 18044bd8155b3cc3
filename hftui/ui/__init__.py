"""The Textual app. Only `hftui.ui` imports Textual; the core and the CLI stay importable without it."""
