"""LianRong 链融 — supply-chain finance platform."""

__version__ = "0.1.0"
