"""Imports every controller module so that each registers itself with the manager."""
