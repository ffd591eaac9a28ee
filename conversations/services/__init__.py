"""Every state change of the conversations app (see STYLE.md § B), one module per domain."""
