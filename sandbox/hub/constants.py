"""Values the hub, the site and the Kubernetes values in deploy/ must agree on.

``tests/sandbox/test_deploy.py`` checks deploy/ against these, so the two cannot drift.
"""

from __future__ import annotations

from typing import Final, NotRequired, TypedDict

# The site talks to the hub as this service. Least privilege, scope by scope:
#   admin:users    create the hub user before the first start (POST /users/{name}) and delete
#                  it when the site deactivates the person; implies read:users (status).
#   servers        start/stop the user's default server and read its state and progress stream.
#   tokens         mint, per student, a short-lived token OWNED BY THAT STUDENT with the single
#                  scope access:servers!server=<name>/ (POST /users/{name}/tokens, expires_in 300 s;
#                  sandbox.client.user_token). The site's contents and kernels calls into a
#                  student's server carry that token, never this service's: whatever the server or
#                  its kernel can read grants nothing beyond that one server. The hub caps a minted
#                  token at its owner's own permissions, so `tokens` cannot yield more than a
#                  student already has; it is needed because JupyterHub has no narrower
#                  "create tokens with scope X" permission.
# Not granted: access:servers (the service itself never enters a server), admin:servers (named
# servers), groups, proxy, shutdown, admin-ui.
SITE_SERVICE_NAME: Final = "liangzhi-site"
SITE_SCOPES: Final = ("admin:users", "servers", "tokens")

# jupyterhub-idle-culler needs to list users, see their activity, and stop servers.
CULLER_SERVICE_NAME: Final = "idle-culler"
CULLER_SCOPES: Final = ("list:users", "read:users:activity", "read:servers", "delete:servers")

# The OAuth client the hub is at the site (accounts.oauth) and what it asks for.
OAUTH_CLIENT_ID: Final = "liangzhi-hub"
OAUTH_SCOPES: Final = ("openid", "profile")
OAUTH_USERNAME_CLAIM: Final = "preferred_username"

KERNEL_NAME: Final = "quantum"
KERNEL_DISPLAY_NAME: Final = "Python 3 (Quantum: Qiskit Aer · PyTorch · Stim)"

# nbgrader pieces students must not see (instructor panels); "validate" stays.
NBGRADER_DISABLED_SERVER_EXTENSIONS: Final = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.assignment_list",
    "nbgrader.server_extensions.course_list",
)
NBGRADER_DISABLED_LAB_PLUGINS: Final = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:assignment-list",
    "@jupyter/nbgrader:menu",
)


class Profile(TypedDict):
    display_name: str
    mem_limit: int  # bytes: one lab never takes more
    # bytes: what the platform plans per lab (Kubernetes schedules on it; "Prepare labs" counts it
    # against its budget). An idle lab with its warm quantum kernel measures ~0.47 GiB RSS.
    mem_guarantee: NotRequired[int]
    cpu_limit: float  # cores (Kubernetes; locally informational, a CPU share)
    pids_limit: int
    gpu: bool
    start_timeout: NotRequired[int]  # seconds; else the hub's Spawner.start_timeout


GiB: Final = 1024**3

PROFILES: Final[dict[str, Profile]] = {
    "cpu": {
        "display_name": "CPU · 2 GiB",
        "mem_limit": 2 * GiB,
        "mem_guarantee": 1 * GiB,
        "cpu_limit": 1.0,
        "pids_limit": 256,
        "gpu": False,
    },
    "cpu-large": {
        "display_name": "CPU · 4 GiB, 2 cores",
        "mem_limit": 4 * GiB,
        "mem_guarantee": 2 * GiB,
        "cpu_limit": 2.0,
        "pids_limit": 512,
        "gpu": False,
    },
    # Only on a cluster with GPU nodes (deploy/): the image carries qiskit-aer-gpu.
    "gpu": {
        "display_name": "GPU · qiskit-aer-gpu",
        "mem_limit": 8 * GiB,
        "mem_guarantee": 4 * GiB,
        "cpu_limit": 4.0,
        "pids_limit": 1024,
        "gpu": True,
    },
}
DEFAULT_PROFILE: Final = "cpu"
