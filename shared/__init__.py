"""dexsim's common library: contracts, settings, runtime, codec, metrics and the local broker."""
