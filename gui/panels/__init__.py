"""The docked panels: small widgets built once, with `set_*` methods that update them in place."""
