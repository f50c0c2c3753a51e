"""The search page's filters (theme, department, level, audience)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.identity.models import OrgLevel


class SearchFilterForm(forms.Form):
    q = forms.CharField(label=_("您要办什么事？"), required=False, max_length=100)
    theme = forms.TypedChoiceField(label=_("主题"), required=False, coerce=int, empty_value=None)
    department = forms.ChoiceField(label=_("部门"), required=False)
    level = forms.ChoiceField(
        label=_("层级"), required=False, choices=[("", _("全部层级")), *OrgLevel.choices]
    )
    audience = forms.ChoiceField(
        label=_("服务对象"),
        required=False,
        choices=[("", _("个人和企业")), ("person", _("个人办事")), ("enterprise", _("企业办事"))],
    )

    def __init__(self, *args, **kwargs):
        from yiwang.catalog import selectors

        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", _("全部主题"))] + [
            (t.pk, t.name) for t in selectors.themes_with_counts() if t.item_count
        ]
        self.fields["department"].choices = [("", _("全部部门"))] + [
            (d.code, d.name) for d in selectors.departments_with_counts()
        ]
