"""Forms of the citizens' 12345 pages and the message board (docs/hotline.md, "Citizens and
the message board"). They shape and check what a page sends; every rule that protects the
data (control characters, lengths, the phone's format, a leaf subject, an area that is a
street or community, what an attachment really is) is checked again by services.py, the
one door."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from yiwang.identity.models import OrgKind, OrgUnit

from .models import AppealType, BoardKind, Satisfaction
from .services import ADDRESS_MAX, MAX_ATTACHMENTS, REASON_MAX, TEXT_MAX, TITLE_MAX

# The service's own limits (ADDRESS_MAX, TEXT_MAX …) are the fields' limits, shown on the
# page before anything is sent.
NOTE_MAX = REASON_MAX
NUMBER_MAX = 20
PHONE_MAX = 20
KEY_MAX = 64

# What each type means, in the words a caller would use.
TYPE_HINTS = {
    AppealType.CONSULT: _("问政策、问怎么办事"),
    AppealType.HELP: _("遇到困难，需要帮忙"),
    AppealType.COMPLAINT: _("对某件事或某个单位不满意"),
    AppealType.REPORT: _("反映违法违规的行为，可以要求保密"),
    AppealType.SUGGESTION: _("对政府工作提出想法"),
    AppealType.PRAISE: _("表扬好人好事、好的服务"),
}

BOARD_HINTS = {
    BoardKind.ASK: _("问政策、问怎么办"),
    BoardKind.COMPLAIN: _("反映让您不满意的事"),
    BoardKind.SUGGEST: _("提出您的想法"),
}

# A board post's kind is an appeal of this type (GB/T 33358 keeps type and content apart).
TYPE_OF_BOARD_KIND = {
    BoardKind.ASK: AppealType.CONSULT,
    BoardKind.COMPLAIN: AppealType.COMPLAINT,
    BoardKind.SUGGEST: AppealType.SUGGESTION,
}

SUBJECT_UNKNOWN = ""
AREA_NONE = ""


class _FilesInput(forms.FileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Up to MAX_ATTACHMENTS files from one <input type=file multiple>."""

    widget = _FilesInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", "image/jpeg,image/png,application/pdf")

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_ATTACHMENTS:
            raise ValidationError(
                _("最多上传 %(max)d 个附件，您选了 %(n)d 个。")
                % {"max": MAX_ATTACHMENTS, "n": len(files)},
                code="too_many_attachments",
            )
        single = super().clean
        return [single(f, initial) for f in files]


def subject_choices(leaves) -> list:
    """The leaf subjects grouped under their first level, with "not sure" first."""
    groups: dict[str, list] = {}
    for subject in leaves:
        parent = subject.parent.name if subject.parent_id else ""
        groups.setdefault(parent, []).append((str(subject.pk), subject.name))
    return [(SUBJECT_UNKNOWN, _("不清楚，请工作人员帮我分类")), *groups.items()]


def areas():
    """Streets and communities of the org tree, in tree order."""
    return list(
        OrgUnit.objects.filter(kind__in=[OrgKind.STREET, OrgKind.COMMUNITY], is_active=True)
        .only("pk", "name", "kind", "path", "parent_id")
        .order_by("path")
    )


def area_choices(units, none_label=None) -> list:
    """Each street as a group: the street itself ("not sure which community") and its
    communities."""
    choices: list = [(AREA_NONE, none_label or _("不选（在下面填写地址）"))]
    streets: dict[int, list] = {}
    for unit in units:
        if unit.kind == OrgKind.STREET:
            options = [(str(unit.pk), _("%(street)s（不清楚哪个社区）") % {"street": unit.name})]
            streets[unit.pk] = options
            choices.append((unit.name, options))
        elif unit.parent_id in streets:
            streets[unit.parent_id].append((str(unit.pk), unit.name))
    return choices


def _required(field, message):
    field.error_messages["required"] = message
    return field


class _Picks(forms.Form):
    """The subject and area pickers, from objects given to the form."""

    def _setup_area(self, units, none_label=None):
        self.area_by_pk = {str(u.pk): u for u in units}
        self.fields["area"].choices = area_choices(units, none_label)
        self.fields["area"].error_messages["invalid_choice"] = _("请从列出的街道或社区中选择。")

    def chosen_area(self):
        return self.area_by_pk.get(self.cleaned_data.get("area") or "")


class AppealForm(_Picks):
    """我要反映问题: type, subject, where, what, attachments, phone."""

    type = forms.ChoiceField(label=_("您要反映的是"), widget=forms.RadioSelect)
    subject = forms.ChoiceField(label=_("是哪方面的事"), required=False)
    area = forms.ChoiceField(label=_("在哪个街道或社区"), required=False)
    address = forms.CharField(
        label=_("详细地址（选填）"),
        max_length=ADDRESS_MAX,
        required=False,
        help_text=_("如：幸福路12号附近、某某小区东门。"),
    )
    text = forms.CharField(
        label=_("具体情况"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("请说清楚什么时间、什么地方、发生了什么事，希望怎么解决。"),
    )
    attachments = FilesField(
        label=_("照片或文件（选填，最多5个）"),
        help_text=_("可以上传 JPG、PNG 照片或 PDF 文件，每个不超过 20 MB。"),
    )
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=PHONE_MAX,
        help_text=_("办理单位可能打电话向您了解情况或告诉您结果。"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    confidential = forms.BooleanField(
        label=_("为我保密：不让办理单位知道是我反映的（只用于举报）"), required=False
    )

    def __init__(self, *args, leaves, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [
            (value, f"{label}：{TYPE_HINTS[value]}") for value, label in AppealType.choices
        ]
        self.subject_by_pk = {str(s.pk): s for s in leaves}
        self.fields["subject"].choices = subject_choices(leaves)
        self.fields["subject"].error_messages["invalid_choice"] = _("请从列出的分类中选择。")
        self._setup_area(units)
        _required(self.fields["type"], _("请选择您要反映的是哪一类事。"))
        self.fields["type"].error_messages["invalid_choice"] = _("请从列出的类型中选择。")
        _required(self.fields["text"], _("请写下具体情况。"))
        _required(self.fields["phone"], _("请留下联系电话，方便办理单位联系您。"))

    def chosen_subject(self):
        return self.subject_by_pk.get(self.cleaned_data.get("subject") or "")

    def clean(self):
        data = super().clean()
        if data.get("confidential") and data.get("type") != AppealType.REPORT:
            self.add_error("confidential", _("只有举报可以要求保密。"))
        if not data.get("area") and not (data.get("address") or "").strip():
            if "area" not in self.errors and "address" not in self.errors:
                self.add_error("area", _("请选择街道或社区，或者填写地址。"))
        return data


class BoardPostForm(_Picks):
    """网上留言: kind, title, text, where, phone (never published)."""

    board_kind = forms.ChoiceField(label=_("留言类型"), widget=forms.RadioSelect)
    title = forms.CharField(label=_("标题"), max_length=TITLE_MAX)
    text = forms.CharField(
        label=_("留言内容"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("留言和答复会公开；请不要写身份证号、电话、门牌号等个人信息，公开时也会隐去。"),
    )
    area = forms.ChoiceField(label=_("所在街道或社区（选填）"), required=False)
    phone = forms.CharField(
        label=_("联系电话（不公开）"),
        max_length=PHONE_MAX,
        help_text=_("只用于办理单位联系您，不会在留言板上显示。"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board_kind"].choices = [
            (value, f"{label}：{BOARD_HINTS[value]}") for value, label in BoardKind.choices
        ]
        self._setup_area(units, _("不选"))
        _required(self.fields["board_kind"], _("请选择留言类型。"))
        self.fields["board_kind"].error_messages["invalid_choice"] = _("请从列出的类型中选择。")
        _required(self.fields["title"], _("请写一个标题。"))
        _required(self.fields["text"], _("请写下留言内容。"))
        _required(self.fields["phone"], _("请留下联系电话，方便办理单位联系您。"))


class RateForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("您对答复满意吗？"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("您的意见（选填）"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _required(self.fields["satisfaction"], _("请选择满意、基本满意或不满意。"))
        self.fields["satisfaction"].error_messages["invalid_choice"] = _(
            "请选择满意、基本满意或不满意。"
        )


class TrackedRateForm(RateForm):
    """Rating from the tracking page: the tracking key (查询码) the caller was given proves
    the appeal is theirs."""

    key = forms.CharField(
        label=_("查询码"),
        max_length=KEY_MAX,
        help_text=_("登记诉求时告诉您的查询码（短信里也有）。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _required(self.fields["key"], _("请填写查询码。"))


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因（选填）"), max_length=NOTE_MAX, required=False)


class TrackForm(forms.Form):
    number = forms.CharField(
        label=_("诉求编号"),
        max_length=NUMBER_MAX,
        help_text=_("登记时告诉您的编号，如 20260105000123。"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("登记时留的手机号码"),
        max_length=PHONE_MAX,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _required(self.fields["number"], _("请填写诉求编号。"))
        _required(self.fields["phone"], _("请填写手机号码。"))
