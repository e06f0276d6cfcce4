"""Node services: each module declares its RPC methods in the registry."""
