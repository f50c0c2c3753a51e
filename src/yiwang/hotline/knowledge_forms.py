"""The knowledge base's forms (docs/hotline.md, "The knowledge base"). They shape what a
page sends; the rules (lengths, control characters, a leaf subject, an item that exists,
the review date) are the services' (knowledge.py), whose refusals come back beside the
field they concern."""

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.catalog.models import ServiceItem
from yiwang.identity.models import OrgKind, OrgUnit

from . import knowledge
from .models import Subject


def subject_choices(*, blank: str) -> list:
    """The second-level subjects in use, grouped under their first level."""
    groups: dict = {}
    for subject in Subject.objects.filter(is_active=True, parent__isnull=False).select_related(
        "parent"
    ):
        groups.setdefault(subject.parent.name, []).append(
            (subject.code, f"{subject.code} {subject.name}")
        )
    return [("", blank), *groups.items()]


def owner_queryset():
    return OrgUnit.objects.filter(kind=OrgKind.DEPARTMENT, is_active=True).order_by("code")


class ArticleForm(forms.Form):
    subject = forms.ChoiceField(label=_("诉求分类"))
    question = forms.CharField(
        label=_("问题（群众的典型问法）"),
        max_length=knowledge.QUESTION_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    answer = forms.CharField(
        label=_("标准答复"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("话务员会照着念给来电群众听：写清在哪办、要带什么、多久办好。"),
    )
    item = forms.CharField(
        label=_("关联事项（事项编码或名称，可不填）"), required=False, max_length=200
    )
    owner = forms.ModelChoiceField(
        label=_("负责单位"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("按诉求分类的默认承办单位"),
    )
    review_on = forms.DateField(
        label=_("复核日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("到期后由负责单位核对答复是否仍然准确；不填则半年后复核。"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = subject_choices(blank=_("请选择"))
        self.fields["owner"].queryset = owner_queryset()

    def clean_item(self):
        value = self.cleaned_data["item"].strip()
        if not value:
            return None
        found = (
            ServiceItem.objects.filter(code=value[:32]).first()
            or ServiceItem.objects.filter(published__name=value).first()
        )
        if found is None:
            raise forms.ValidationError(
                _("没有找到这个事项，请填写事项编码或完整的事项名称。"), code="item_invalid"
            )
        return found


class FilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=knowledge.MAX_QUERY)
    subject = forms.ChoiceField(label=_("诉求分类"), required=False)
    owner = forms.ModelChoiceField(
        label=_("负责单位"), queryset=OrgUnit.objects.none(), required=False, empty_label=_("全部")
    )
    state = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[
            ("", _("启用中")),
            ("due", _("到期待复核")),
            ("retired", _("已停用")),
            ("all", _("全部")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = subject_choices(blank=_("全部"))
        self.fields["owner"].queryset = owner_queryset()


class ReviewedForm(forms.Form):
    next_review_on = forms.DateField(
        label=_("下次复核日期"), widget=forms.DateInput(attrs={"type": "date"})
    )


class RetireForm(forms.Form):
    reason = forms.CharField(label=_("停用原因"), required=False, max_length=500)
