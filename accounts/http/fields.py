"""Serializer fields shared by the apps."""

from rest_framework import serializers


class FlatListField(serializers.ListField):
    """A list whose item errors come back as one flat list of messages.

    DRF reports item errors as an object keyed by index; the schema documents every
    field's errors as a list of strings, which is also what clients read.
    """

    def run_child_validation(self, data):
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as error:
            detail = error.detail
            if isinstance(detail, dict):
                detail = sorted(
                    {str(message) for messages in detail.values() for message in messages}
                )
            raise serializers.ValidationError(detail) from None
