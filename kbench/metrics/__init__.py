"""Run results: the tables' schemas and the atomic writer of a results folder."""
