"""A write to an appraised score or a quality level unfreezes its submission's frozen result."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Appraisal, AppraisedResult, QualityLevel


@receiver(post_save, sender=Appraisal)
@receiver(post_delete, sender=Appraisal)
@receiver(post_save, sender=QualityLevel)
@receiver(post_delete, sender=QualityLevel)
def unfreeze(sender, instance, raw=False, **kwargs) -> None:
    if raw:  # restoring a backup writes the frozen rows as they were
        return
    AppraisedResult.objects.filter(submission_id=instance.submission_id).delete()
