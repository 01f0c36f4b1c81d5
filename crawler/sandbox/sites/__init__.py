"""The sandbox's sites, one module per site."""
