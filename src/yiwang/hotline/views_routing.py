"""The dispatcher's routing-rule editor (docs/hotline.md, "Routing and the classifier"):
the rules in their order, each editable, movable up and down, deletable; a form to add
one; and a test of a text against the rules and the classifier.

Thin: every change goes through routing.py's services (authorised by "hotline.dispatch",
audited). A refusal comes back as the page with the form's problems (400), a success as a
redirect. Only dispatchers reach these pages (403 for other staff and citizens)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from yiwang.identity import policy
from yiwang.identity.models import OrgUnit

from . import routing, subjects, suggest
from .models import AppealType, RoutingRule
from .services import AREA_KINDS, TEXT_MAX


def _orgs(kinds):
    return OrgUnit.objects.filter(kind__in=kinds, is_active=True).order_by("path")


class OrgChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.code}）"


class OrgMultipleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class SubjectChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.parent.name} · {obj.name}"


class RuleForm(forms.Form):
    """What a rule matches and where it sends; routing.py checks the rest."""

    subject = SubjectChoice(
        queryset=None,
        required=False,
        label=gettext_lazy("诉求分类"),
        empty_label=gettext_lazy("（不限）"),
    )
    area = OrgChoice(
        queryset=None,
        required=False,
        label=gettext_lazy("区域（含下级）"),
        empty_label=gettext_lazy("（不限）"),
    )
    keyword = forms.CharField(
        required=False,
        max_length=routing.KEYWORD_MAX,
        label=gettext_lazy("关键词"),
        help_text=gettext_lazy("诉求内容中含有这个词时才适用（选填）"),
    )
    unit = OrgChoice(queryset=None, label=gettext_lazy("主办单位"))
    assisting = OrgMultipleChoice(
        queryset=None,
        required=False,
        label=gettext_lazy("协办单位"),
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(required=False, max_length=routing.NOTE_MAX, label=gettext_lazy("说明"))
    is_active = forms.BooleanField(required=False, initial=True, label=gettext_lazy("启用"))

    def __init__(self, *args, rule: RoutingRule | None = None, **kwargs):
        if rule is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "subject": rule.subject_id,
                "area": rule.area_id,
                "keyword": rule.keyword,
                "unit": rule.unit_id,
                "assisting": [o.pk for o in rule.assisting.all()],
                "note": rule.note,
                "is_active": rule.is_active,
            }
        super().__init__(*args, **kwargs)
        units = _orgs(routing.UNIT_KINDS)
        self.fields["subject"].queryset = subjects.leaves()
        self.fields["area"].queryset = _orgs(routing.AREA_KINDS)
        self.fields["unit"].queryset = units
        self.fields["assisting"].queryset = units

    def values(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in ("subject", "area", "keyword", "unit", "note")} | {
            "assisting": list(data["assisting"]),
            "is_active": data["is_active"],
        }


class TestForm(forms.Form):
    text = forms.CharField(
        max_length=TEXT_MAX,
        label=gettext_lazy("诉求内容"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    area = OrgChoice(
        queryset=None,
        required=False,
        label=gettext_lazy("所在街道/社区"),
        empty_label=gettext_lazy("（未知）"),
    )
    type = forms.ChoiceField(
        required=False,
        label=gettext_lazy("诉求类型"),
        choices=[("", gettext_lazy("（未知）")), *AppealType.choices],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = _orgs(AREA_KINDS)


def _require(request) -> None:
    policy.require(request.user, "hotline.dispatch")


def _refused(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _list(request, *, status=200, test_form=None, result=None, rule=None):
    context = {
        "rules": routing.rules(active_only=False),
        "new_form": RuleForm(prefix="new"),
        "test_form": test_form or TestForm(prefix="test"),
        "result": result,
        "matched": rule,
        "model": suggest.current_model_info(),
    }
    return render(request, "hotline/routing/list.html", context, status=status)


@never_cache
@login_required
def rule_list(request):
    _require(request)
    return _list(request)


@never_cache
@login_required
def rule_form(request, pk=None):
    """Add a rule (no pk) or change one."""
    _require(request)
    rule = None
    if pk is not None:
        rule = get_object_or_404(
            RoutingRule.objects.select_related("subject", "area", "unit"), pk=pk
        )
    if request.method != "POST":
        form = RuleForm(rule=rule, prefix="new" if rule is None else "rule")
        return render(request, "hotline/routing/form.html", {"form": form, "rule": rule})
    form = RuleForm(request.POST, rule=rule, prefix="new" if rule is None else "rule")
    if form.is_valid():
        try:
            if rule is None:
                saved = routing.create_rule(by=request.user, **form.values())
                messages.success(
                    request, _("派单规则已添加（第 %(n)d 条）。") % {"n": saved.position}
                )
            else:
                routing.update_rule(rule, by=request.user, **form.values())
                messages.success(request, _("派单规则已保存。"))
        except ValidationError as exc:
            _refused(form, exc)
        else:
            return redirect("hotline_routing")
    return render(request, "hotline/routing/form.html", {"form": form, "rule": rule}, status=400)


@login_required
@require_POST
def rule_move(request, pk):
    _require(request)
    rule = get_object_or_404(RoutingRule, pk=pk)
    direction = request.POST.get("direction", "")
    try:
        routing.move_rule(rule, by=request.user, direction=direction)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("hotline_routing")
    messages.success(request, _("顺序已调整。"))
    return redirect(reverse("hotline_routing") + f"#rule-{rule.pk}")


@login_required
@require_POST
def rule_delete(request, pk):
    _require(request)
    rule = get_object_or_404(RoutingRule, pk=pk)
    routing.delete_rule(rule, by=request.user)
    messages.success(request, _("派单规则已删除。"))
    return redirect("hotline_routing")


@never_cache
@login_required
@require_POST
def rule_test(request):
    """What the rules and the classifier make of a text: nothing is saved."""
    _require(request)
    form = TestForm(request.POST, prefix="test")
    if not form.is_valid():
        return _list(request, status=400, test_form=form)
    data = form.cleaned_data
    found = suggest.suggest(data["text"], area=data["area"], type=data["type"])
    return _list(request, test_form=form, result=found, rule=found.rule)
