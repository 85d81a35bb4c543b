"""The caseworkers' inbox: JSON API under /api/caseworker and server-rendered pages under /inbox."""
