from rest_framework import serializers

from chexian.blankforms.models import BlankForm


class BlankFormSerializer(serializers.ModelSerializer):
    holder = serializers.CharField(source="holder.get_username", read_only=True, default=None)
    insurer = serializers.CharField(source="batch.insurer.code", read_only=True)

    class Meta:
        model = BlankForm
        fields = ["id", "store", "batch", "insurer", "kind", "serial", "status", "holder", "policy", "reason",
                  "original_kept", "updated_at"]
        read_only_fields = fields
