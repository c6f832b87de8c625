"""The start form: a region of the store (NUTS 0-2) and the name of the policy."""

from __future__ import annotations

from typing import Any

from django import forms


class StartForm(forms.Form):
    region = forms.ChoiceField(label="Region", help_text="The region whose cluster policy you assess.")
    policy_name = forms.CharField(label="Policy or programme", max_length=200, min_length=3,
                                  help_text="For example: Regional cluster programme 2021-2027.")

    def __init__(self, *args: Any, regions: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.names = {str(r["region"]): str(r["name"]) for r in regions}
        groups: dict[str, list[tuple[str, str]]] = {}
        for r in regions:
            label = f"{r['region']} · {r['name']}"
            groups.setdefault(str(r["country"]), []).append((str(r["region"]), label))
        field = self.fields["region"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Choose a region…"), *groups.items()]

    def clean_policy_name(self) -> str:
        return " ".join(str(self.cleaned_data["policy_name"]).split())
