"""REST API views, one module per subject: thin. Input serializers validate shapes,
services decide, selectors read, ``conversations.payloads`` gives each answer its shape.

The console uses the same endpoints as integrators (one path, one set of checks); the
session cookie authenticates the console, a token integrators.
"""
