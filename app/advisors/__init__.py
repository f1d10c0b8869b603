"""Advisors: grants from company owners, the advisor's client list, and assessment comments."""
