"""dexsim's sector services: one package per service, each with the same shape."""
