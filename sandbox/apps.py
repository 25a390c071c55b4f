from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SandboxConfig(AppConfig):
    name = "sandbox"
    verbose_name = _("Sandbox")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save, pre_save

        from . import signals

        user_model = get_user_model()
        pre_save.connect(signals.user_pre_save, sender=user_model, dispatch_uid="sandbox-user-pre-save")
        post_save.connect(signals.user_post_save, sender=user_model, dispatch_uid="sandbox-user-post-save")
