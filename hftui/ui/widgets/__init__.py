"""The panes of the hftui app."""
