import random

ENTANGLED = [
    "$(|00\\rangle + |11\\rangle)/\\sqrt{2}$",
    "$(|01\\rangle - |10\\rangle)/\\sqrt{2}$",
    "$(|00\\rangle - |11\\rangle)/\\sqrt{2}$",
    "$(|01\\rangle + |10\\rangle)/\\sqrt{2}$",
]
PRODUCT = [
    "$(|00\\rangle + |01\\rangle)/\\sqrt{2}$",
    "$|0\\rangle \\otimes |+\\rangle$",
    "$(|00\\rangle + |01\\rangle + |10\\rangle + |11\\rangle)/2$",
    "$|11\\rangle$",
    "$(|10\\rangle - |11\\rangle)/\\sqrt{2}$",
]


def generate(seed):
    rng = random.Random(seed)  # noqa: S311 (variants, not secrets)
    return {
        "params": {},
        "answers": {"a": rng.choice(ENTANGLED)},
        "distractors": {"a": rng.sample(PRODUCT, 3)},
    }
