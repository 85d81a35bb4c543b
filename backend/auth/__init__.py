"""Citizens' web sessions and login (the development login stands in for eID under `make run`)."""
