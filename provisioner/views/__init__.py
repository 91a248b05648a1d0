"""Renderers: text for terminals, markdown for PR comments, JSON for machines — all from the plan form."""
