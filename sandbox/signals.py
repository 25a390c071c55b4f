"""Deactivating a user in the site ends their lab access (tokens revoked, hub user removed)."""

from __future__ import annotations

from typing import Any

from django.db import transaction


def user_pre_save(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.pk is None:
        instance._lab_was_active = instance.is_active
        return
    instance._lab_was_active = sender.objects.filter(pk=instance.pk).values_list("is_active", flat=True).first()


def user_post_save(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created or instance.is_active or not getattr(instance, "_lab_was_active", False):
        return
    from .services import lab_access_end

    transaction.on_commit(lambda: lab_access_end(user=instance))
