"""Who is calling and what they may do: tenants, frames, and the policy store."""

from service.tenancy.loader import PolicyError, load_policies
from service.tenancy.models import Frame, Policies, Tenant, hash_key
from service.tenancy.store import PolicyStore

__all__ = ["Frame", "Policies", "PolicyError", "PolicyStore", "Tenant", "hash_key", "load_policies"]
