"""The union's reference web frontend: the worker's form and tracking page, the officer's console.

It is a client of intake's and feedback's HTTP APIs like any other union frontend; its own
schema holds only what is its own: officer accounts, sessions, the audit log and evidence files.
"""
