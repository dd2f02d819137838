"""Tenant registry on the public schema: tenants, their domains, sign-up and the
schema pool that makes sign-up instant."""
