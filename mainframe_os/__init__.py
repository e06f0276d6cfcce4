"""Mainframe OS: a desktop shell for decentralized apps."""

__version__ = "0.1.0"
