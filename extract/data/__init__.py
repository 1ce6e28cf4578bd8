"""Packaged data files of extract (divisions, aliases, taxonomy); a package so setuptools ships them."""
