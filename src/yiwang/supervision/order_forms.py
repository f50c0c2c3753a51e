"""Forms of the supervision order pages. They only shape input; who may act and when is
decided by `orders` (the services)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from . import orders


class IssueForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("督办部门"),
        queryset=None,
        empty_label=_("请选择部门"),
        error_messages={"required": _("请选择督办的部门。")},
    )
    subject = forms.CharField(
        label=_("督办事由"),
        max_length=200,
        error_messages={"required": _("请填写督办事由。")},
    )
    requirement = forms.CharField(
        label=_("督办要求"),
        max_length=orders.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("写明要部门做什么、怎样反馈，例如：请于期限内办结并说明超期原因。"),
        error_messages={"required": _("请填写督办要求。")},
    )
    workdays = forms.IntegerField(
        label=_("反馈期限（工作日）"),
        min_value=1,
        max_value=orders.MAX_WORKDAYS,
        error_messages={"required": _("请填写反馈期限。")},
    )

    def __init__(self, *args, departments, fixed_department=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        field.queryset = departments
        if fixed_department is not None:
            # An order about a case goes to the case's department: shown, not chosen.
            field.widget = forms.HiddenInput()
            self.initial.setdefault("department", fixed_department.pk)
        self.fields["workdays"].initial = settings.YIWANG_SUPERVISION_ORDER_WORKDAYS
        self.fields["workdays"].help_text = _(
            "从今天起按工作日计算（节假日、调休按国务院安排），默认%(n)d个工作日。"
        ) % {"n": settings.YIWANG_SUPERVISION_ORDER_WORKDAYS}


class RespondForm(forms.Form):
    response = forms.CharField(
        label=_("办理情况"),
        max_length=orders.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("写明已采取的措施、办理结果和超期原因。"),
        error_messages={"required": _("请填写办理情况。")},
    )


class CloseForm(forms.Form):
    note = forms.CharField(
        label=_("办结意见"),
        required=False,
        max_length=orders.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SendBackForm(forms.Form):
    note = forms.CharField(
        label=_("退回理由"),
        max_length=orders.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请写明退回重办的理由。")},
    )
    workdays = forms.IntegerField(
        label=_("新的反馈期限（工作日，可不填）"),
        required=False,
        min_value=1,
        max_value=orders.MAX_WORKDAYS,
        help_text=_("不填则沿用原反馈期限。"),
    )
