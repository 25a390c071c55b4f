"""Django-free code loaded by JupyterHub: configuration, the spawner, shared constants.

Nothing here may import Django or the site's apps: the hub is its own process.
"""
