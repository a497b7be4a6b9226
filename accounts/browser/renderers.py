"""The browsable API's renderer, never writing a submitted secret back into a form."""

from rest_framework import renderers


def _is_secret(field) -> bool:
    # Passwords and reset codes are the fields styled as password inputs.
    return field.style.get("input_type") == "password"


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's, with password and code fields left blank when a failed form is shown again.

    Otherwise the page re-renders the submitted password into the form's HTML, where a
    browser cache, a screenshot or a saved page keeps it.
    """

    def render_form_for_serializer(self, serializer):
        if hasattr(serializer, "initial_data"):
            secrets = [name for name, field in serializer.fields.items() if _is_secret(field)]
            if secrets:
                serializer.is_valid()  # cached: the view has validated this data already
                data = serializer.initial_data.copy()
                for name in secrets:
                    data.pop(name, None)
                serializer.initial_data = data
                serializer.__dict__.pop("_data", None)
        return super().render_form_for_serializer(serializer)
