"""Numbering engine: gap-free numbers per organisation, kind and period for every process."""
